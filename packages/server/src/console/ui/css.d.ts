// esbuild bundles imported stylesheets into console-ui.css beside the script.
declare module "*.css";
