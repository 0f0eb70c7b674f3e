# tutanak: `make demo` runs the main job, `make test` runs every test.
# Both install what is missing first (see scripts/deps.sh).

GO       ?= go
# Tesseract's OpenMP threads slow every reader down when several share the
# cores; the binary sets this itself, test binaries get it from here.
export OMP_THREAD_LIMIT := 1
BIN      := bin/tutanak
DEMO_DIR ?= demo
FORM     ?= cb-2023
# The measured corpus of README; EVAL_N=200 EVAL_SEED=2026 gives the smaller one.
EVAL_N    ?= 1000
EVAL_SEED ?= 2028

.PHONY: help demo test build deps deps-test vet bench eval train-digits fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN{FS=":.*## "}{printf "  %-14s %s\n", $$1, $$2}'

deps: ## install build dependencies (Tesseract, Go modules) if missing
	@scripts/deps.sh build

deps-test: ## install test dependencies too (PostgreSQL client, MinIO)
	@scripts/deps.sh test

build: deps ## build bin/tutanak
	@$(GO) build -o $(BIN) ./cmd/tutanak

demo: build ## run the service on SQLite + disk, upload photographed sheets, show the verdicts
	@scripts/demo.sh $(BIN) $(DEMO_DIR)

test: deps-test ## run all tests (starts PostgreSQL if it is down)
	@scripts/postgres.sh
	@$(GO) vet ./...
	@$(GO) test -count=1 -timeout 40m ./...
	@echo "== the service packages again under the race detector"
	@$(GO) test -count=1 -race -timeout 30m ./storage/... ./review/... ./web/...
	@scripts/fuzz.sh

fuzz: deps ## run every fuzz target for a few seconds
	@scripts/fuzz.sh

bench: deps ## run the benchmarks (see BENCHMARKS.md)
	@$(GO) test -run '^$$' -bench . -benchtime 10x ./ocr/... ./review/...
	@$(GO) test -run '^$$' -bench Upload -benchtime 200x ./web

eval: build ## evaluate the reader on a fresh generated corpus (see README; about 7 minutes)
	@rm -rf $(DEMO_DIR)/eval
	@$(BIN) gen --form $(FORM) --out $(DEMO_DIR)/eval --n $(EVAL_N) --seed $(EVAL_SEED) --hard 0.2
	@$(BIN) eval --form $(FORM) --dir $(DEMO_DIR)/eval

train-digits: deps ## retrain the handwritten-digit model's two networks (MNIST training split)
	@$(GO) generate ./ocr/digits

clean: ## remove build output and demo files
	rm -rf bin $(DEMO_DIR)
