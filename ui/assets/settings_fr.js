() => {
  // Gradio's settings panel writes some of its text in English, outside its i18n (see
  // ui/gradio_options.py): put it in French as the panel appears. Only text inside dialogs is
  // touched, and only text that is exactly one of the known English strings.
  const french = __FRENCH__;
  const squash = (text) => text.replace(/\s+/g, " ").trim();
  const translate = (text) => {
    const key = squash(text);
    if (!key) return null;
    if (Object.hasOwn(french, key)) return french[key];
    const icon = key.match(/^([^\p{L}]+)(\p{L}.*)$/u); // "☀︎ Light": keep the icon
    return icon && Object.hasOwn(french, icon[2]) ? icon[1] + french[icon[2]] : null;
  };
  const relabel = (dialog) => {
    const walker = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const said = translate(node.data);
      if (said !== null) node.data = node.data.match(/^\s*/)[0] + said + node.data.match(/\s*$/)[0];
    }
    for (const element of dialog.querySelectorAll("[aria-label], [alt], [title], [placeholder]")) {
      for (const name of ["aria-label", "alt", "title", "placeholder"]) {
        const value = element.getAttribute(name);
        const said = value ? translate(value) : null;
        if (said !== null) element.setAttribute(name, said);
      }
    }
  };
  const run = () => document.querySelectorAll("[role=dialog]").forEach(relabel);
  new MutationObserver(run).observe(document.body, { childList: true, subtree: true, characterData: true });
  run();
}
