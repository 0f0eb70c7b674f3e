package main

import (
	"context"
	"errors"
)

// Placeholders until the service lands; the service work replaces this file.

func runServe(ctx context.Context, e env) error   { return errors.New("not built yet") }
func runWorker(ctx context.Context, e env) error  { return errors.New("not built yet") }
func runUsers(ctx context.Context, e env) error   { return errors.New("not built yet") }
func runCustody(ctx context.Context, e env) error { return errors.New("not built yet") }
