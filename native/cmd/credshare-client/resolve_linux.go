package main

// resolveLinks: Linux's os.Executable is /proc/self/exe, already free of symbolic links.
func resolveLinks(p string) string { return p }
