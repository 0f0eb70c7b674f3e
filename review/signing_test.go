package review_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/tutanak/tutanak/review"
)

// TestBundleSignature checks that a bundle names the key that signed it,
// and that the signature is what tells the service's bundles from a bundle
// consistent with itself made anywhere else.
func TestBundleSignature(t *testing.T) {
	ours := open(t, backends()[0], 0)
	pub, ok := ours.svc.SigningKey()
	if !ok || pub.KeyID != review.KeyID(testKey.Public().(ed25519.PublicKey)) || pub.Algorithm != "ed25519" {
		t.Fatalf("published key %+v", pub)
	}
	genuine := exportFrom(t, ours, "the photo the observer took", nil)
	// Another tutanak, run by whoever wants a bundle of a photo never taken:
	// every sum in its bundle holds, but its key is not ours.
	other := open(t, backends()[0], 0)
	_, otherKey, err := ed25519.GenerateKey(nil)
	if err != nil {
		t.Fatal(err)
	}
	other.svc.SetSigningKey(otherKey)
	forged := exportFrom(t, other, "a photo of a sheet never signed", nil)
	unsigned := open(t, backends()[0], 0)
	unsigned.svc.SetSigningKey(nil)

	names, files := unzip(t, genuine)
	_, forgedFiles := unzip(t, forged)
	edit := func(name string, data []byte) []byte {
		f := map[string][]byte{}
		for k, v := range files {
			f[k] = v
		}
		f[name] = data
		return rezip(t, names, f)
	}
	without := slices.DeleteFunc(slices.Clone(names), func(n string) bool { return n == review.BundleSignature })
	var sig review.Signature
	if err := json.Unmarshal(files[review.BundleSignature], &sig); err != nil {
		t.Fatal(err)
	}
	reencode := func(value string) []byte {
		return bytes.Replace(files[review.BundleSignature], []byte(value), []byte(reencoded(value)), 1)
	}
	cases := []struct {
		name     string
		bundle   []byte
		signedBy string
		problem  string
	}{
		{"the service's bundle", genuine, pub.KeyID, ""},
		{"another service's bundle", forged, review.KeyID(otherKey.Public().(ed25519.PublicKey)), ""},
		{"an unsigned bundle", exportFrom(t, unsigned, "a photo", nil), "", ""},
		{"the signature taken out", rezip(t, without, files), "", ""},
		{"a signature of another bundle", edit(review.BundleSignature, forgedFiles[review.BundleSignature]), "", "does not match"},
		{"the signature altered", edit(review.BundleSignature, bytes.Replace(files[review.BundleSignature], []byte(`"signature": "`), []byte(`"signature": "AAAA`), 1)), "", "does not match"},
		// The same bytes to a lenient base64 decoder, another file: one
		// bundle must have one encoding (FuzzVerifyBundleEdit found these).
		{"the signature re-encoded", edit(review.BundleSignature, reencode(sig.Value)), "", "does not match"},
		{"the key re-encoded", edit(review.BundleSignature, reencode(sig.PublicKey)), "", "not an ed25519 public key"},
		{"another key named", edit(review.BundleSignature, bytes.Replace(files[review.BundleSignature], []byte(pub.KeyID), []byte("0123456789abcdef"), 1)), "", "is not the key's"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := verify(c.bundle)
			if c.problem == "" {
				if err != nil || rep.SignedBy != c.signedBy {
					t.Fatalf("report %+v, %v; want it verified, signed by %q", rep, err, c.signedBy)
				}
				return
			}
			if err == nil || !slices.ContainsFunc(rep.Problems, func(p string) bool { return strings.Contains(p, c.problem) }) {
				t.Fatalf("report %+v, %v; want a problem %q", rep, err, c.problem)
			}
		})
	}
}

// reencoded is base64 text s with the unused bits of its last character
// set: the same bytes to a decoder that ignores them, another text.
func reencoded(s string) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	data := strings.TrimRight(s, "=")
	unused := map[int]int{1: 2, 2: 4}[len(s)-len(data)]
	last := strings.IndexByte(alphabet, data[len(data)-1])
	return data[:len(data)-1] + string(alphabet[last|(1<<unused-1)]) + s[len(data):]
}

// TestCustodyAnchors checks the chain against entries known from outside
// it: a bundle's, and the head of an earlier check.
func TestCustodyAnchors(t *testing.T) {
	ctx := context.Background()
	e := setup(t, backends()[0], 0)
	obs := e.user(t, "gözlemci", review.Observer, "")
	legal := e.user(t, "hukuk", review.Legal, "")
	res, err := e.svc.Upload(ctx, obs, review.Upload{Form: "cb-2023", Photo: e.photo(t, []byte("a photo")),
		Box: review.Box{Il: "İzmir", Ilce: "Gaziemir", SandikNo: "7"}})
	if err != nil {
		t.Fatal(err)
	}
	waitVerdict(t, e.svc, obs, res.ID)
	b, err := e.svc.Evidence(ctx, legal, res.ID)
	if err != nil {
		t.Fatal(err)
	}
	bundle, err := verify(b.Data)
	if err != nil || len(bundle.Anchors) < 3 {
		t.Fatalf("bundle: %+v, %v; want its upload, reading and export entries as anchors", bundle, err)
	}
	before, err := e.svc.VerifyCustody(ctx)
	if err != nil || !before.OK() || before.Head.Seq != bundle.Anchors[len(bundle.Anchors)-1].Seq {
		t.Fatalf("chain %+v, %v; its head must be the export", before, err)
	}
	wrong := before.Head
	wrong.Hash = strings.Repeat("0", 64)
	cases := []struct {
		name    string
		anchors []review.Anchor
		broken  string
	}{
		{"the bundle's entries", bundle.Anchors, ""},
		{"the head", []review.Anchor{before.Head}, ""},
		{"the head with another hash", []review.Anchor{wrong}, "recorded 000000000000"},
		{"an entry past the head", []review.Anchor{{Seq: before.Head.Seq + 1, Hash: before.Head.Hash, From: "a later check"}}, "not in the chain"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rep, err := e.svc.VerifyCustody(ctx, c.anchors...)
			if err != nil || rep.Anchors != len(c.anchors) {
				t.Fatalf("report %+v, %v", rep, err)
			}
			if c.broken == "" && !rep.OK() || c.broken != "" && !slices.ContainsFunc(rep.Breaks, func(b string) bool { return strings.Contains(b, c.broken) }) {
				t.Fatalf("breaks %q, want one saying %q", rep.Breaks, c.broken)
			}
		})
	}
}
