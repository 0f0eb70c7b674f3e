// Command train fits the digit model on MNIST and writes its weights.
//
// From the repository root:
//
//	go run ./ocr/digits/internal/train -out ocr/digits/weights.bin
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"

	"github.com/tutanak/tutanak/ocr/digits"
)

func main() {
	out := flag.String("out", "weights.bin", "where to write the weights")
	epochs := flag.Int("epochs", digits.DefaultEpochs, "passes over the training images")
	seed := flag.Int64("seed", digits.DefaultSeed, "random seed")
	workers := flag.Int("workers", digits.DefaultWorkers, "gradient goroutines")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	if err := run(*out, digits.TrainConfig{Epochs: *epochs, Seed: *seed, Workers: *workers}, log); err != nil {
		log.Error("train digits failed", "err", err)
		os.Exit(1)
	}
}

func run(out string, cfg digits.TrainConfig, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	dir, err := digits.MNISTDir()
	if err != nil {
		return err
	}
	cfg.DataDir = dir
	m, err := digits.Train(ctx, cfg, log)
	if err != nil {
		return err
	}
	test, err := digits.LoadTest(dir)
	if err != nil {
		return err
	}
	log.Info("test split measured", "accuracy", digits.Evaluate(m, test))
	f, err := os.Create(out)
	if err != nil {
		return fmt.Errorf("create weights: %w", err)
	}
	if _, err := m.WriteTo(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close weights: %w", err)
	}
	log.Info("weights written", "path", out)
	return nil
}
