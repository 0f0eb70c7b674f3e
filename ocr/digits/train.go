package digits

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"sync"
	"time"
)

// Training defaults, used where a TrainConfig field is zero.
const (
	// DefaultEpochs fits a full training run into about half an hour on two
	// shared cores.
	DefaultEpochs = 14
	// DefaultSeed fixes the initial weights, the shuffling and the augmentation.
	DefaultSeed = 1
	// DefaultWorkers is the number of goroutines computing gradients.
	DefaultWorkers = 2
	// DefaultBatchSize is the number of images per optimiser step.
	DefaultBatchSize = 64
	// DefaultLearnRate is Adam's initial step size; it decays to
	// DefaultLearnRate*finalLearnRatio along a cosine.
	DefaultLearnRate = 1e-3
	// DefaultValidation is how many images at the end of the training split are
	// held out for validation.
	DefaultValidation = 5000
	// DefaultAugment is the share of training images that are distorted.
	DefaultAugment = 0.85
	// DefaultReject is the share of training examples replaced by something
	// that is not one digit (see notDigit), labelled with the reject output.
	DefaultReject = 0.15

	finalLearnRatio = 0.03
	logEvery        = 200 // batches between progress lines
)

// ErrBadConfig is returned for a TrainConfig that cannot be used.
var ErrBadConfig = errors.New("bad training config")

// TrainConfig controls Train. Zero fields take the Default values.
type TrainConfig struct {
	// DataDir holds the MNIST idx files; see MNISTDir.
	DataDir string
	// Epochs is the number of passes over the training images.
	Epochs int
	// Seed makes a run reproducible: same seed, same Workers, same weights.
	Seed int64
	// Workers is the number of goroutines sharing each batch. Each takes a
	// fixed slice of the batch and the gradients are summed in worker order,
	// so the result does not depend on scheduling.
	Workers int
	// BatchSize is the number of images per step.
	BatchSize int
	// LearnRate is Adam's initial step size.
	LearnRate float64
	// Validation is the number of held-out images at the end of the training split.
	Validation int
	// Augment is the share (0–1) of images distorted at random; negative means none.
	Augment float64
	// Reject is the share (0–1) of examples that are not one digit; negative means none.
	Reject float64
}

func (c TrainConfig) withDefaults() (TrainConfig, error) {
	if c.DataDir == "" {
		return c, fmt.Errorf("no data dir: %w", ErrBadConfig)
	}
	if c.Epochs == 0 {
		c.Epochs = DefaultEpochs
	}
	if c.Seed == 0 {
		c.Seed = DefaultSeed
	}
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.BatchSize == 0 {
		c.BatchSize = DefaultBatchSize
	}
	if c.LearnRate == 0 {
		c.LearnRate = DefaultLearnRate
	}
	if c.Validation == 0 {
		c.Validation = DefaultValidation
	}
	if c.Augment == 0 {
		c.Augment = DefaultAugment
	}
	if c.Reject == 0 {
		c.Reject = DefaultReject
	}
	switch {
	case c.Epochs < 0, c.Workers < 0, c.BatchSize < 0, c.Validation < 0:
		return c, fmt.Errorf("negative size: %w", ErrBadConfig)
	case c.BatchSize < c.Workers:
		return c, fmt.Errorf("batch size %d below %d workers: %w", c.BatchSize, c.Workers, ErrBadConfig)
	case c.LearnRate < 0 || c.Augment > 1 || c.Reject > 1:
		return c, fmt.Errorf("learn rate %g, augment %g or reject %g out of range: %w", c.LearnRate, c.Augment, c.Reject, ErrBadConfig)
	}
	return c, nil
}

// Train fits a model on the MNIST training split, holding out its last
// cfg.Validation images, and logs progress to log.
func Train(ctx context.Context, cfg TrainConfig, log *slog.Logger) (*Model, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	all, err := LoadTrain(cfg.DataDir)
	if err != nil {
		return nil, fmt.Errorf("train digits: %w", err)
	}
	if cfg.Validation >= all.Len() {
		return nil, fmt.Errorf("validation %d of %d images: %w", cfg.Validation, all.Len(), ErrBadConfig)
	}
	train := all.Slice(0, all.Len()-cfg.Validation)
	val := all.Slice(all.Len()-cfg.Validation, all.Len())
	return trainOn(ctx, cfg, train, val, log)
}

func trainOn(ctx context.Context, cfg TrainConfig, train, val *Set, log *slog.Logger) (*Model, error) {
	seed := uint64(cfg.Seed)
	m := newModel(initParams(rand.New(rand.NewPCG(seed, 0))))
	opt := newAdam(len(m.p))

	workers := make([]*grads, cfg.Workers)
	wacts := make([]*acts, cfg.Workers)
	for i := range workers {
		workers[i] = &grads{g: make([]float32, len(m.p))}
		wacts[i] = new(acts)
	}
	sum := make([]float32, len(m.p))

	n := train.Len()
	steps := cfg.Epochs * (n / cfg.BatchSize)
	step := 0
	start := time.Now()
	log.Info("training digits", "images", n, "validation", val.Len(), "epochs", cfg.Epochs,
		"workers", cfg.Workers, "batch", cfg.BatchSize, "seed", cfg.Seed, "params", len(m.p))
	for epoch := 0; epoch < cfg.Epochs; epoch++ {
		order := rand.New(rand.NewPCG(seed, uint64(epoch)+1)).Perm(n)
		var epochLoss float64
		for b := 0; b+cfg.BatchSize <= n; b += cfg.BatchSize {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("train digits: %w", err)
			}
			batch := order[b : b+cfg.BatchSize]
			var wg sync.WaitGroup
			for w := range workers {
				lo := w * len(batch) / len(workers)
				hi := (w + 1) * len(batch) / len(workers)
				wg.Add(1)
				go func(gr *grads, a *acts, idx []int) {
					defer wg.Done()
					clear(gr.g)
					gr.loss = 0
					var base, x [Pixels]float32
					for _, i := range idx {
						// Each image gets its own generator so the distortion
						// depends only on seed, epoch and image.
						rng := rand.New(rand.NewPCG(seed^0x9e3779b97f4a7c15, uint64(epoch)<<32|uint64(i)))
						label := int(train.Labels[i])
						if rng.Float64() < cfg.Reject {
							notDigit(&base, train.Image(i), train.Image(rng.IntN(n)), rng)
							label = reject
						} else {
							toFloat(&base, train.Image(i))
						}
						if rng.Float64() < cfg.Augment {
							augment(&x, &base, rng)
						} else {
							x = base
						}
						forward(m.p, &x, a, plainKernels())
						backward(m.p, a, label, gr)
					}
				}(workers[w], wacts[w], batch[lo:hi])
			}
			wg.Wait()
			copy(sum, workers[0].g)
			epochLoss += workers[0].loss
			for _, gr := range workers[1:] {
				for i, v := range gr.g {
					sum[i] += v
				}
				epochLoss += gr.loss
			}
			lr := cfg.LearnRate * (finalLearnRatio + (1-finalLearnRatio)*0.5*(1+math.Cos(math.Pi*float64(step)/float64(steps))))
			opt.step(m.p, sum, float32(1/float64(len(batch))), lr)
			step++
			if step%logEvery == 0 {
				log.Debug("training step", "epoch", epoch+1, "step", step, "of", steps,
					"loss", epochLoss/float64(b+cfg.BatchSize), "elapsed", time.Since(start).Round(time.Second))
			}
		}
		log.Info("epoch done", "epoch", epoch+1, "loss", epochLoss/float64(n),
			"val_accuracy", Evaluate(m, val), "elapsed", time.Since(start).Round(time.Second))
	}
	return m, nil
}

func toFloat(dst *[Pixels]float32, src []byte) {
	for i, v := range src {
		dst[i] = float32(v) / 255
	}
}

// initParams draws He-normal weights and zero biases.
func initParams(rng *rand.Rand) []float32 {
	p := make([]float32, nParams)
	fill := func(w []float32, fanIn int) {
		std := math.Sqrt(2 / float64(fanIn))
		for i := range w {
			w[i] = float32(rng.NormFloat64() * std)
		}
	}
	fill(p[offW1:offB1], kk)
	fill(p[offW2:offB2], in2)
	fill(p[offW3:offB3], flat)
	fill(p[offW4:offB4], hidden)
	return p
}

// adam is the Adam optimiser's state.
type adam struct {
	m, v []float32
	t    int
}

const (
	adamBeta1 = 0.9
	adamBeta2 = 0.999
	adamEps   = 1e-8
)

func newAdam(n int) *adam { return &adam{m: make([]float32, n), v: make([]float32, n)} }

// step moves p against the gradient g*scale.
func (o *adam) step(p, g []float32, scale float32, lr float64) {
	o.t++
	corr := lr * math.Sqrt(1-math.Pow(adamBeta2, float64(o.t))) / (1 - math.Pow(adamBeta1, float64(o.t)))
	a := float32(corr)
	for i := range p {
		gi := g[i] * scale
		o.m[i] = adamBeta1*o.m[i] + (1-adamBeta1)*gi
		o.v[i] = adamBeta2*o.v[i] + (1-adamBeta2)*gi*gi
		p[i] -= a * o.m[i] / (float32(math.Sqrt(float64(o.v[i]))) + adamEps)
	}
}

// Evaluate returns the share of images in set the model classifies right.
func Evaluate(m *Model, set *Set) float64 {
	if set.Len() == 0 {
		return 0
	}
	right := 0
	var x [Pixels]float32
	for i := 0; i < set.Len(); i++ {
		toFloat(&x, set.Image(i))
		if argmax(m.Probs(&x)) == int(set.Labels[i]) {
			right++
		}
	}
	return float64(right) / float64(set.Len())
}

func argmax(p [Classes]float32) int {
	best := 0
	for k := range p {
		if p[k] > p[best] {
			best = k
		}
	}
	return best
}
