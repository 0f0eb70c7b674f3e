package main

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/tutanak/tutanak/ocr"
	"github.com/tutanak/tutanak/ocr/synth"
)

func main() {
	f, err := ocr.LoadForm("cb-2023")
	if err != nil {
		panic(err)
	}
	dir, err := synth.MNISTDir()
	if err != nil {
		panic(err)
	}
	t0 := time.Now()
	d, err := synth.NewMNISTDigits(dir, synth.SplitTest)
	if err != nil {
		panic(err)
	}
	fmt.Println("mnist", time.Since(t0))
	cfg := synth.DefaultConfig()
	cfg.Count, _ = strconv.Atoi(os.Args[2])
	g, err := synth.NewGenerator(f, d, cfg)
	if err != nil {
		panic(err)
	}
	t0 = time.Now()
	recs, err := g.WriteDir(context.Background(), os.Args[1])
	if err != nil {
		panic(err)
	}
	fmt.Println("sheets", len(recs), time.Since(t0))
}
