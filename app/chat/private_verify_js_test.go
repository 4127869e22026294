package chat

import (
	"crypto/ed25519"
	"testing"
)

// signatureCases are the checks WebCrypto and Go must judge alike: good
// signatures by two keys, and every way one can be wrong.
func signatureCases(t *testing.T) map[string]signatureCheck {
	t.Helper()
	ada := ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize))
	bobSeed := make([]byte, ed25519.SeedSize)
	bobSeed[0] = 1
	bob := ed25519.NewKeyFromSeed(bobSeed)
	statement, err := signedStatement(binding{kind: kindMessage, room: "p-room", cid: "ada", id: "m1"}, []byte(`{"nick":"Ada","text":"hi"}`))
	if err != nil {
		t.Fatal(err)
	}
	good := func(key ed25519.PrivateKey) signatureCheck {
		return signatureCheck{publicKey: key.Public().(ed25519.PublicKey), statement: statement, signature: ed25519.Sign(key, statement)}
	}
	flipped := func(b []byte, i int) []byte {
		out := append([]byte(nil), b...)
		out[i] ^= 1
		return out
	}
	cases := map[string]signatureCheck{"Ada's": good(ada), "Bob's": good(bob)}
	c := good(ada)
	c.signature = flipped(c.signature, 5)
	cases["R tampered"] = c
	c = good(ada)
	c.signature = flipped(c.signature, 40)
	cases["S tampered"] = c
	c = good(ada)
	c.statement = flipped(c.statement, len(c.statement)-3)
	cases["statement tampered"] = c
	c = good(ada)
	c.publicKey = bob.Public().(ed25519.PublicKey)
	cases["someone else's key"] = c
	c = good(ada)
	c.signature = c.signature[:63]
	cases["signature short"] = c
	// S + L: the same scalar, not reduced. Both must refuse it, or a
	// signature could be altered and still verify.
	c = good(ada)
	c.signature = append([]byte(nil), c.signature...)
	order := [32]byte{0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14, 31: 0x10}
	carry := 0
	for i := range 32 {
		sum := int(c.signature[32+i]) + int(order[i]) + carry
		c.signature[32+i], carry = byte(sum), sum>>8
	}
	cases["S not reduced"] = c
	c = good(ada)
	c.publicKey = make([]byte, 32)
	c.publicKey[0] = 2 // y = 2 is not on the curve
	cases["key not a point"] = c
	return cases
}

// The browser's WebCrypto (used for a whole history at once) and Go's
// crypto/ed25519 (the reference) agree on every case, and the verdict the
// client uses is Go's wherever WebCrypto says no.
func TestVerifySignatures_WebCryptoAgreesWithGo(t *testing.T) {
	cases := signatureCases(t)
	var names []string
	var checks []signatureCheck
	for name, c := range cases {
		names, checks = append(names, name), append(checks, c)
	}
	browser, ok := webCryptoVerdicts(checks)
	if !ok {
		t.Fatal("this browser's WebCrypto cannot verify Ed25519: the client falls back to Go (slower)")
	}
	used := verifySignatures(checks)
	for i, name := range names {
		want := checks[i].verify()
		if browser[i] != want {
			t.Errorf("%s: WebCrypto says %v, Go says %v", name, browser[i], want)
		}
		if used[i] != want {
			t.Errorf("%s: the client's verdict is %v, Go's is %v", name, used[i], want)
		}
	}
	if !cases["Ada's"].verify() || !cases["Bob's"].verify() || cases["S not reduced"].verify() {
		t.Error("the cases are not what their names say")
	}
}
