package chat

import (
	"crypto/ed25519"
	"strconv"
	"testing"
)

// BenchmarkVerifySignatures500 verifies a history's 500 signatures by two
// writers with crypto/ed25519, as the client does: what checking a whole
// history costs, most of it after the room shows (private_verify.go).
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
	for b.Loop() {
		for i, c := range checks {
			if !c.verify() {
				b.Fatalf("signature %d does not verify", i)
			}
		}
	}
}
