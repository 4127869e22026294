package main

import (
	"encoding/json"
	"fmt"
	"io"
)

// report prints res as one JSON object, or as text through text.
func report[T any](w io.Writer, jsonOut bool, res T, text func(io.Writer, T)) error {
	if !jsonOut {
		text(w, res)
		return nil
	}
	enc := json.NewEncoder(w)
	if err := enc.Encode(res); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
