package main

import (
	"context"
	"errors"
)

func runGen(ctx context.Context, e env) error         { return errors.New("not built yet") }
func runEval(ctx context.Context, e env) error        { return errors.New("not built yet") }
func runTrainDigits(ctx context.Context, e env) error { return errors.New("not built yet") }
