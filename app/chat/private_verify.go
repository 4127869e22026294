package chat

// verifySignatures verifies many signatures at once and reports, in order,
// which check out. Opening a room whose history arrives from the relay
// verifies up to 500 of them, and Go's Ed25519 in wasm takes ≈ 0.4 ms each
// (its field arithmetic has no 64×64→128-bit multiply there), ≈ 200 ms in
// all on the page's only thread. In a browser that has Ed25519 in WebCrypto
// they are verified there instead, all behind one await
// (private_verify_js.go); elsewhere, and in a browser without it, by Go.
//
// Go's crypto/ed25519 stays the reference: signing is always Go's, and a
// signature WebCrypto rejects is checked again by Go, so that a rejection is
// always Go's verdict (private_verify_js_test.go compares the two).
func verifySignatures(checks []signatureCheck) []bool {
	if len(checks) == 0 {
		return nil
	}
	if verified, ok := verifyInBrowser(checks); ok {
		return verified
	}
	return verifyInGo(checks)
}

func verifyInGo(checks []signatureCheck) []bool {
	verified := make([]bool, len(checks))
	for i, c := range checks {
		verified[i] = c.verify()
	}
	return verified
}
