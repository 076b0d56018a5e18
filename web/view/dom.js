// Element construction through DOM APIs only: user text always enters the
// page as text nodes (textContent / append of strings), never as markup.

export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = value;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

// Unique ids for aria-controls / aria-describedby when several widgets share a page.
let nextId = 0;
export function uid(prefix) {
  nextId += 1;
  return `rc-${prefix}-${nextId}`;
}
