package ui

import "strconv"

// AppName is the product name shown in the title and the header.
const AppName = "Chat"

// pageTitle is the document title: the room, with the unread count in front
// while the page is hidden so that it shows on the tab.
func pageTitle(room string, unread int, hidden bool) string {
	title := AppName
	if room != "" {
		title = "#" + room + " · " + AppName
	}
	if hidden && unread > 0 {
		title = "(" + strconv.Itoa(unread) + ") " + title
	}
	return title
}
