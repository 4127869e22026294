package chat

import (
	"crypto/ed25519"
	"strconv"
	"testing"
)

// BenchmarkVerifySignatures500 verifies a history's 500 signatures by two
// writers at once, as opening a room does (WebCrypto in a browser), and
// one by one in Go, the reference.
func BenchmarkVerifySignatures500(b *testing.B) {
	var writers [2]ed25519.PrivateKey
	for i := range writers {
		seed := make([]byte, ed25519.SeedSize)
		seed[0] = byte(i)
		writers[i] = ed25519.NewKeyFromSeed(seed)
	}
	checks := make([]signatureCheck, MaxHistory)
	for i := range checks {
		w := writers[i%2]
		statement, _ := signedStatement(binding{kind: kindMessage, room: "p-room", cid: "c" + strconv.Itoa(i%2), id: "m" + strconv.Itoa(i)}, []byte(`{"nick":"Ada","text":"message number `+strconv.Itoa(i)+`"}`))
		checks[i] = signatureCheck{publicKey: w.Public().(ed25519.PublicKey), statement: statement, signature: ed25519.Sign(w, statement)}
	}
	for _, run := range []struct {
		name   string
		verify func([]signatureCheck) []bool
	}{{"batch", verifySignatures}, {"go", verifyInGo}} {
		b.Run(run.name, func(b *testing.B) {
			for b.Loop() {
				for i, ok := range run.verify(checks) {
					if !ok {
						b.Fatalf("signature %d does not verify", i)
					}
				}
			}
		})
	}
}
