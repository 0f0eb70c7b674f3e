package web_test

import (
	"testing"

	"github.com/tutanak/tutanak/storage/storagetest"
)

func TestMain(m *testing.M) { storagetest.Main(m) }
