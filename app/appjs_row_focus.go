//go:build !wasm

package main

// rowFocusJS makes the message list one stop for Tab, as chats' lists are
// (appJSEdits). Every message row is focusable (tabindex 0) and so are its
// actions, so that a keyboard reaches them; but in a room of 40–90 shown
// rows that put up to 450 stops between the rooms and the composer. Now:
//
//   - Tab into the list, from before it or (Shift+Tab) from after it, goes
//     to one row: the one last focused, else the newest.
//   - From there Tab goes through that row's actions, then out of the list
//     (to the composer); Shift+Tab on a row leaves the list backwards.
//   - ArrowUp/ArrowDown move between rows, Home/End to the first and the
//     last shown.
//
// It lives in JavaScript because it only moves the focus: nothing in Go's
// state changes, a keypress here never enters Go (nor waits for its
// scheduler), and it adds nothing to app.wasm. The rows and their actions
// stay in the tab order as they are (a click, a screen reader's own
// navigation and go-app's markup are unchanged); only Tab's next stop is
// chosen when it would land in, or move within, the list.
const rowFocusJS = `let chatRowFocusKey = "";
function chatFocusables() {
  return [...document.querySelectorAll("a[href], button, input, textarea, select, [tabindex]")].filter((e) =>
    e.tabIndex >= 0 && !e.disabled && e.getClientRects().length && getComputedStyle(e).visibility === "visible");
}
function chatFocusRow(list) {
  const rows = [...list.querySelectorAll("li.msg")];
  const row = rows.find((r) => r.dataset.key === chatRowFocusKey) || rows[rows.length - 1];
  if (row) {
    row.focus();
  }
  return !!row;
}
addEventListener("focusin", (e) => {
  const row = e.target.closest && e.target.closest("#messages li.msg");
  if (row) {
    chatRowFocusKey = row.dataset.key;
  }
}, true);
addEventListener("keydown", (e) => {
  const list = document.getElementById("messages");
  if (!list || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey) {
    return;
  }
  const row = e.target.closest && e.target.closest("#messages li.msg");
  if (e.key === "Tab") {
    const all = chatFocusables();
    const at = all.indexOf(e.target);
    const step = e.shiftKey ? -1 : 1;
    let to = null;
    if (!row) {
      // Entering the list: its current row, not its first or last button.
      const next = all[at + step];
      if (at >= 0 && next && list.contains(next) && chatFocusRow(list)) {
        e.preventDefault();
      }
      return;
    }
    const own = all.filter((el) => row.contains(el));
    if (e.shiftKey ? e.target === row : e.target === own[own.length - 1]) {
      // Leaving the list from its row: the stop before or after the list.
      to = e.shiftKey ? all.filter((el) => el.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING).pop()
        : all.find((el) => list.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING && !list.contains(el));
      if (to) {
        e.preventDefault();
        to.focus();
      }
    }
    return;
  }
  if (!row || e.target !== row || e.shiftKey) {
    return;
  }
  const rows = [...list.querySelectorAll("li.msg")];
  const i = rows.indexOf(row);
  const to = { ArrowUp: rows[i - 1], ArrowDown: rows[i + 1], Home: rows[0], End: rows[rows.length - 1] }[e.key];
  if (e.key in { ArrowUp: 1, ArrowDown: 1, Home: 1, End: 1 }) {
    e.preventDefault();
    if (to) {
      to.focus();
    }
  }
}, true);

`
