package main

import (
	"debug/elf"
	"fmt"
)

// checkStatic reports whether the ELF file at path runs on an empty root filesystem: no
// program interpreter (PT_INTERP: the dynamic loader), no dynamic section, no shared library.
func checkStatic(path string) error {
	f, err := elf.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	for _, p := range f.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			return fmt.Errorf("%s is dynamically linked: it has a program interpreter (PT_INTERP)", path)
		case elf.PT_DYNAMIC:
			return fmt.Errorf("%s is dynamically linked: it has a dynamic section (PT_DYNAMIC)", path)
		}
	}
	libs, err := f.ImportedLibraries()
	if err != nil {
		return err
	}
	if len(libs) > 0 {
		return fmt.Errorf("%s needs shared libraries %v", path, libs)
	}
	return nil
}
