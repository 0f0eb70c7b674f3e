package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/tutanak/tutanak/ocr/digits"
)

func runTrainDigits(ctx context.Context, e env) error {
	fs := newFlagSet("train-digits", e)
	out := fs.String("out", "", "where to write the weights (e.g. ocr/digits/weights.bin)")
	epochs := fs.Int("epochs", digits.DefaultEpochs, "passes over the training split")
	seed := fs.Int64("seed", digits.DefaultSeed, "random seed; the same seed and workers give the same weights")
	workers := fs.Int("workers", digits.DefaultWorkers, "goroutines sharing each batch")
	mnist := fs.String("mnist", "", "directory with MNIST's idx.gz files (default: the GoMNIST module's)")
	if err := fs.Parse(e.args); err != nil {
		return err
	}
	if *out == "" {
		return errors.New("--out is required")
	}
	dir := *mnist
	if dir == "" {
		var err error
		if dir, err = digits.MNISTDir(); err != nil {
			return err
		}
	}
	m, err := digits.Train(ctx, digits.TrainConfig{DataDir: dir, Epochs: *epochs, Seed: *seed, Workers: *workers}, e.log)
	if err != nil {
		return err
	}
	test, err := digits.LoadTest(dir)
	if err != nil {
		return err
	}
	f, err := os.Create(*out)
	if err != nil {
		return err
	}
	if _, err := m.WriteTo(f); err != nil {
		f.Close()
		return fmt.Errorf("write weights: %w", err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	// Measured once, after training: the test split never steers training.
	fmt.Fprintf(e.stdout, "MNIST test-split accuracy %.2f%% (%d images); weights in %s\n", 100*digits.Evaluate(m, test), test.Len(), *out)
	return nil
}
