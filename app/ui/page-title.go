package ui

import "strconv"

// AppName is the product name shown in the title and the header.
const AppName = "Chat"

// pageTitle is the document title: the open room, with the unread count of
// every live room in front (chat.TitleCount), so that it shows on the tab.
func pageTitle(room string, unread int) string {
	title := AppName
	if room != "" {
		title = "#" + room + " · " + AppName
	}
	if unread > 0 {
		title = "(" + strconv.Itoa(unread) + ") " + title
	}
	return title
}
