package review

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// Every sum in a bundle is a plain SHA-256, and the chain hash has no key:
// whoever edits a bundle can recompute them all, and the edited bundle is
// consistent with itself. The service therefore signs each bundle's export
// entry, which names the manifest's hash and so every file, with a key only
// it holds. A verifier who knows the service's public key (it publishes it:
// GET /api/v1/signing-key) can tell the service's bundles from any other.

// BundleSignature is the file of a bundle that holds its signature.
const BundleSignature = "signature.json"

// SignatureAlgorithm is the only algorithm bundles are signed with.
const SignatureAlgorithm = "ed25519"

// Signature is signature.json: the export entry's exact bytes (BundleExport)
// signed with the service's key, and the public key to check it with.
type Signature struct {
	Algorithm string `json:"algorithm"`
	// KeyID names the public key: the first 16 hex digits of its SHA-256.
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"` // standard base64
	Signed    string `json:"signed"`     // the file signed
	Value     string `json:"signature"`  // standard base64
}

// PublicKey is the service's signing key as it publishes it.
type PublicKey struct {
	Algorithm string `json:"algorithm"`
	KeyID     string `json:"key_id"`
	PublicKey string `json:"public_key"`
}

// KeyID names a public key: the first 16 hex digits of its SHA-256, short
// enough to read out over the phone, long enough that nobody makes a key
// with the same name.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// SetSigningKey makes the service sign every evidence bundle with key.
func (s *Service) SetSigningKey(key ed25519.PrivateKey) { s.signer = key }

// SigningKey returns the public half of the service's signing key; false
// when bundles are not signed.
func (s *Service) SigningKey() (PublicKey, bool) {
	if s.signer == nil {
		return PublicKey{}, false
	}
	pub := s.signer.Public().(ed25519.PublicKey)
	return PublicKey{Algorithm: SignatureAlgorithm, KeyID: KeyID(pub), PublicKey: base64.StdEncoding.EncodeToString(pub)}, true
}

// sign returns signature.json for the export entry's bytes.
func (s *Service) sign(export []byte) ([]byte, error) {
	pub, _ := s.SigningKey()
	sig := Signature{Algorithm: SignatureAlgorithm, KeyID: pub.KeyID, PublicKey: pub.PublicKey, Signed: BundleExport,
		Value: base64.StdEncoding.EncodeToString(ed25519.Sign(s.signer, export))}
	b, err := indentJSON(sig)
	if err != nil {
		return nil, fmt.Errorf("encode signature: %w", err)
	}
	return b, nil
}

// checkSignature verifies signature.json against the export entry's bytes
// and returns the key that signed them.
func checkSignature(raw, export []byte) (keyID string, err error) {
	var sig Signature
	if err := json.Unmarshal(raw, &sig); err != nil {
		return "", fmt.Errorf("%s: %w", BundleSignature, err)
	}
	// As for export.json: JSON keys match in any case and spaces are free,
	// so only the encoding the service wrote is the file it wrote.
	if canon, err := indentJSON(sig); err != nil || !bytes.Equal(canon, raw) {
		return "", fmt.Errorf("%s: not the bytes of the signature", BundleSignature)
	}
	if sig.Algorithm != SignatureAlgorithm || sig.Signed != BundleExport {
		return "", fmt.Errorf("%s: signs %q with %q, want %s with %s", BundleSignature, sig.Signed, sig.Algorithm, BundleExport, SignatureAlgorithm)
	}
	// Strict: the standard decoder ignores the unused bits of the last
	// character, so other texts would decode to the same key and
	// signature, and an edited file would still verify.
	pub, err := base64.StdEncoding.Strict().DecodeString(sig.PublicKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		return "", fmt.Errorf("%s: not an ed25519 public key", BundleSignature)
	}
	if KeyID(pub) != sig.KeyID {
		return "", fmt.Errorf("%s: key id %s is not the key's (%s)", BundleSignature, sig.KeyID, KeyID(pub))
	}
	value, err := base64.StdEncoding.Strict().DecodeString(sig.Value)
	if err != nil || !ed25519.Verify(pub, export, value) {
		return "", fmt.Errorf("%s: the signature does not match %s", BundleSignature, BundleExport)
	}
	return sig.KeyID, nil
}
