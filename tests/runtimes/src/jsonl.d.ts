// esbuild's text loader gives the vectors file as one string.
declare module "*.jsonl" {
  const text: string;
  export default text;
}
