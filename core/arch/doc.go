// Package arch holds no engine code: its test holds the repository to the structure
// docs/ARCHITECTURE.md describes (who may import whom, how large a package may grow).
package arch
