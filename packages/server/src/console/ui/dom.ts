// Every piece of text from a trace (model output, tool results, client bodies) goes into the page as text nodes,
// never as HTML: third-party text must not become markup or script.

type Child = Node | string | number | undefined | null | false;

export function h(tag: string, attrs: Record<string, string> = {}, ...children: Child[]): HTMLElement {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, value);
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    element.append(typeof child === "object" ? child : String(child));
  }
  return element;
}

export function csrfToken(): string {
  return document.querySelector<HTMLMetaElement>('meta[name="toolshim-csrf"]')?.content ?? "";
}

export async function getJson<T>(path: string): Promise<T> {
  const response = await fetch(path, { credentials: "same-origin" });
  if (response.status === 401) {
    location.href = "/console/login";
    throw new Error("not logged in");
  }
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

export function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function panel(title: string, testId: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "panel", "data-panel": testId }, h("h2", {}, title), ...children);
}

export function ms(value: number | undefined): string {
  return value === undefined ? "–" : `${Math.round(value)} ms`;
}
