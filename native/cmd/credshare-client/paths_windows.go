package main

import (
	"os"
	"path/filepath"
)

func joinPath(elem ...string) string { return filepath.Join(elem...) }
func cleanPath(p string) string      { return filepath.Clean(p) }
func isAbsPath(p string) bool        { return filepath.IsAbs(p) }
func dirOf(p string) string          { return filepath.Dir(p) }
func baseOf(p string) string         { return filepath.Base(p) }
func rootOf(p string) string         { return filepath.VolumeName(p) + string(filepath.Separator) }

func splitPathList(list string) []string { return filepath.SplitList(list) }

func readSmallFile(name string) ([]byte, error) { return os.ReadFile(name) }
