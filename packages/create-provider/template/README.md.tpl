# __PACKAGE__

A [toolshim](https://github.com/toolshim/toolshim) provider for the __TITLE__ web chat: toolshim puts the tools into
the prompt and parses the answer back into real tool calls, so OpenAI- and Anthropic-style clients get function
calling through it.

```yaml
providers:
  __NAME__:
    use: __USE__            # the package name once installed, or a path to this folder
    baseURL: https://__NAME__.example/api
    token: ${__ENV__}
models:
  - { id: __NAME__-chat, provider: __NAME__ }
```

| setting | what |
|---|---|
| `baseURL` | where the web chat's API lives |
| `token` | the session token, sent as `Authorization: Bearer …`; never logged |
| `models` | the model ids served (default `["__NAME__-chat"]`) |

## Develop

```sh
pnpm build && pnpm test   # the shared toolshim provider contract runs against src/double.ts
```

`src/double.ts` is a scripted protocol double: a `fetch` that answers in this web chat's wire format from recorded
frames. Replace its frames with ones captured from the real web chat as you learn its format, and keep the contract
suite green. The walkthrough: [adding a provider](https://github.com/toolshim/toolshim/blob/main/apps/docs/adding-a-provider.md).
