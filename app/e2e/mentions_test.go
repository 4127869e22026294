//go:build !js

package e2e

import (
	"context"
	"fmt"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/chatpwa/chat/app/chat"
)

// pressNamedKey presses and releases a key that types nothing (Tab, Escape,
// the arrows) on the focused element, as a keyboard does.
func pressNamedKey(key string, virtualKey int64) chromedp.Action[chromedp.Void] {
	return pressNamedKeyWith(key, virtualKey, 0)
}

// pressNamedKeyWith is pressNamedKey with modifiers held (CDP's bit field:
// Alt 1, Ctrl 2, Meta 4, Shift 8).
func pressNamedKeyWith(key string, virtualKey, modifiers int64) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			params := input.DispatchKeyEventParams{Type: typ, Key: key, Code: key, WindowsVirtualKeyCode: virtualKey,
				NativeVirtualKeyCode: virtualKey, Modifiers: modifiers}
			if _, err := cdp.Call(ctx, t, input.DispatchKeyEvent, params); err != nil {
				return fmt.Errorf("pressing %s: %w", key, err)
			}
		}
		return nil
	})
}

var (
	pressTab        = pressNamedKey("Tab", 9)
	pressEscape     = pressNamedKey("Escape", 27)
	pressArrowRight = pressNamedKey("ArrowRight", 39)
)

// focusRow puts the keyboard focus on the message row with text, once the
// row is on the page: an edit of one's own message shows there only when
// the relay echoes it, which may come after another member already saw it.
func (p *person) focusRow(text string) {
	p.t.Helper()
	p.poll(fmt.Sprintf("a focusable row %q", text), waitTimeout, `(text) => {
		const li = [...document.querySelectorAll('#messages li.msg')].find(li => li.querySelector('.text').textContent === text);
		if (li) li.focus();
		return !!li && document.activeElement === li;
	}`, text)
}

// tabTo presses Tab until the focused element matches sel, as someone
// looking for a button does; a few presses at most.
func (p *person) tabTo(sel string) {
	p.t.Helper()
	for range 8 {
		p.do("press Tab", pressTab)
		var there bool
		p.eval(fmt.Sprintf(`document.activeElement.matches(%q)`, sel), &there)
		if there {
			return
		}
	}
	p.t.Fatalf("%s: Tab never reached %s\n%s", p.name, sel, p.dump())
}

// focused waits until the focused element matches sel.
func (p *person) focused(what, sel string) {
	p.t.Helper()
	p.poll(what, waitTimeout, `(sel) => document.activeElement && document.activeElement.matches(sel)`, sel)
}

// Alice types "@Bo": the composer offers Bob, Enter inserts "@Bob ", and
// her message shows Bob a mention of him. Bob then replies, reacts, edits
// and deletes with the keyboard only (a focused row, Tab, arrows, Enter,
// Escape), and Alice sees each.
func TestMentions_CompleteHighlightAndKeyboardActions(t *testing.T) {
	requireSuite(t)
	relay := startRelay(t)
	room := "e2e-mentions"
	alice, bob := newPerson(t, "Alice"), newPerson(t, "Bob")
	alice.open(roomURL(relay.URL(), room, ""))
	alice.waitOnline()
	alice.setNick("Alice")
	bob.open(roomURL(relay.URL(), room, ""))
	bob.waitOnline()
	bob.setNick("Bob")
	alice.waitText(waitTimeout, "#presence", "Bob")

	alice.typeText("hi @Bo")
	alice.poll("the list to offer Bob", waitTimeout, `() => {
		const list = document.querySelector('#mention-list'), box = document.querySelector('#composer');
		const options = [...list.querySelectorAll('[role=option]')].map(o => o.textContent);
		return !list.hidden && options.join() === 'Bob' && box.getAttribute('aria-expanded') === 'true' &&
			box.getAttribute('aria-activedescendant') === 'mention-option-0';
	}`)
	alice.do("press Enter in the list", pressEnter)
	alice.poll("Enter to insert @Bob and close the list", waitTimeout, `() =>
		document.querySelector('#composer').value === 'hi @Bob ' && document.querySelector('#mention-list').hidden &&
		document.querySelector('#composer').getAttribute('aria-expanded') === 'false'`)
	alice.sendWithEnter("lunch?") // the list is closed: Enter sends
	bob.waitMessages(waitTimeout, []string{"hi @Bob lunch?"})
	bob.poll("the mention highlighted as his", waitTimeout, `() => {
		const li = [...document.querySelectorAll('#messages li.msg')].find(li => li.querySelector('.text').textContent === 'hi @Bob lunch?');
		const mention = li && li.querySelector('.text .mention.mention-me');
		return !!mention && mention.textContent === '@Bob' && li.classList.contains('mentions-me');
	}`)

	// Reply: the row, Tab to Reply, Enter; the composer has the focus.
	bob.focusRow("hi @Bob lunch?")
	bob.tabTo(".act-reply")
	bob.do("press Enter on Reply", pressEnter)
	bob.waitText(waitTimeout, ".composer-mode", "Replying to Alice")
	bob.focused("the composer to have the focus", "#composer")
	bob.sendWithEnter("sure")
	alice.waitMessages(waitTimeout, []string{"hi @Bob lunch?", "sure"})
	alice.waitText(waitTimeout, "#messages li.msg .reply-quote", "Alice: hi @Bob lunch?")

	// React: Enter opens the picker on its first emoji; Escape closes it
	// back to React; the arrows move; Enter picks, and React has the focus.
	bob.focusRow("hi @Bob lunch?")
	bob.tabTo(".act-react")
	bob.do("press Enter on React", pressEnter)
	bob.focused("the first emoji to have the focus", fmt.Sprintf(`.pick[aria-label="React with %s"]`, chat.ReactionEmoji[0]))
	bob.do("press Escape in the picker", pressEscape)
	bob.poll("Escape to close the picker back to React", waitTimeout, `() =>
		!document.querySelector('#messages .reaction-picker') && document.activeElement.matches('.act-react') &&
		document.activeElement.getAttribute('aria-expanded') === 'false'`)
	bob.do("press Enter on React", pressEnter)
	bob.focused("the first emoji to have the focus", ".pick")
	bob.do("press ArrowRight", pressArrowRight)
	bob.focused("the second emoji to have the focus", fmt.Sprintf(`.pick[aria-label="React with %s"]`, chat.ReactionEmoji[1]))
	bob.do("press Enter on the second emoji", pressEnter)
	bob.focused("React to have the focus back", ".act-react")
	alice.waitText(waitTimeout, "#messages li.msg .reaction", chat.ReactionEmoji[1]+" 1")

	// Edit his own message: the text is in the composer, the cursor at its end.
	bob.focusRow("sure")
	bob.tabTo(".act-edit")
	bob.do("press Enter on Edit", pressEnter)
	bob.poll("the composer to hold the text to edit", waitTimeout, `() =>
		document.activeElement === document.querySelector('#composer') && document.querySelector('#composer').value === 'sure'`)
	bob.sendWithEnter("!")
	alice.waitMessages(waitTimeout, []string{"hi @Bob lunch?", "sure!"})
	alice.waitText(waitTimeout, "#messages li.msg .edited", "edited")

	// Delete: the focus stays in the row when its buttons go.
	bob.eval(`window.confirm = () => true`, nil) // the page asks before deleting
	bob.focusRow("sure!")
	bob.tabTo(".act-delete")
	bob.do("press Enter on Delete", pressEnter)
	alice.waitText(waitTimeout, "#messages li.msg.deleted .text", "message deleted")
	bob.poll("the deleted message's row to keep the focus", waitTimeout, `() =>
		document.activeElement.matches('#messages li.msg.deleted')`)
}
