package extract

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// APIKeySecretPrefix starts every key Quarry issues, so a leaked key is easy
// to recognise in logs and by secret scanners.
const APIKeySecretPrefix = "qry_"

// NewAPIKeySecret returns a fresh secret with 256 bits of randomness.
func NewAPIKeySecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return APIKeySecretPrefix + base64.RawURLEncoding.EncodeToString(b[:])
}

// HashAPIKey returns what the store keeps of a secret. A fast hash is right
// here: the secret has 256 random bits, so there is nothing to brute-force,
// and every request must hash once.
func HashAPIKey(secret string) []byte {
	h := sha256.Sum256([]byte(strings.TrimSpace(secret)))
	return h[:]
}

// APIKeyDisplayPrefix is the part of a secret shown in listings.
func APIKeyDisplayPrefix(secret string) string {
	if len(secret) <= 12 {
		return secret
	}
	return secret[:12]
}
