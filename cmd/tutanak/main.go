// Command tutanak checks photographed ballot-box result sheets against typed
// figures and serves the observers, data-entry people and lawyers who use it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// env is what every subcommand gets from main: its arguments and the process's streams.
type env struct {
	args   []string
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

type command struct {
	summary string
	run     func(ctx context.Context, e env) error
}

// errUsage marks errors whose message is the whole story: no stack of context.
var errUsage = errors.New("usage")

func commands() map[string]command {
	return map[string]command{
		"check":         {"read one photo and print the verdict as JSON", runCheck},
		"gen":           {"generate synthetic photographed sheets with truth.json", runGen},
		"eval":          {"evaluate the reader on a directory of sheets with truth.json", runEval},
		"train-digits":  {"train the handwritten-digit model on the MNIST training split", runTrainDigits},
		"serve":         {"run the HTTP API, the web app and the OCR workers", runServe},
		"worker":        {"run OCR workers only", runWorker},
		"users":         {"manage users (users add …)", runUsers},
		"official":      {"import official results (official import --form cb-2023 [--partial] FILE.csv)", runOfficial},
		"custody":       {"check the custody log (custody verify)", runCustody},
		"upload":        {"upload a directory of sheets with their typed figures to a server and show the verdicts", runUpload},
		"verify-bundle": {"check an evidence bundle offline (verify-bundle FILE.zip)", runVerifyBundle},
		"loadgen":       {"load test a running server on this machine: uploads, drain, reconcile; one JSON line", runLoadgen},
		"soak":          {"run many checks in one process over a generated corpus and report memory (RSS)", runSoak},
	}
}

func main() {
	limitOpenMP()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// limitOpenMP restarts the process with OMP_THREAD_LIMIT=1 unless it is set.
// Tesseract parallelises with OpenMP, which costs far more than it gains when
// several readers share the cores (a 12-megapixel sheet's printed header:
// 40 ms with one thread, over 200 ms with OpenMP's default on a busy
// machine), and libgomp reads the limit only when the process starts.
func limitOpenMP() {
	if os.Getenv("OMP_THREAD_LIMIT") != "" {
		return
	}
	exe, err := os.Executable()
	if err != nil {
		return
	}
	// Exec replaces the process image: same PID, same arguments; on failure
	// the command simply runs with OpenMP's default.
	_ = syscall.Exec(exe, os.Args, append(os.Environ(), "OMP_THREAD_LIMIT=1"))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cmds := commands()
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stderr, cmds)
		return 2
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "tutanak: unknown command %q\n", args[0])
		usage(stderr, cmds)
		return 2
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	err := cmd.run(ctx, env{args: args[1:], stdout: stdout, stderr: stderr, log: logger})
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 2
	default:
		fmt.Fprintf(stderr, "tutanak %s: %v\n", args[0], err)
		return 1
	}
}

func usage(w io.Writer, cmds map[string]command) {
	fmt.Fprintln(w, "usage: tutanak <command> [flags]\n\ncommands:")
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-13s %s\n", n, cmds[n].summary)
	}
}

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string, e env) *flag.FlagSet {
	fs := flag.NewFlagSet("tutanak "+name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}
