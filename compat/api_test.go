package compat

import (
	"reflect"
	"testing"

	scsv2 "github.com/alexedwards/scs/v2"
	scsv2memstore "github.com/alexedwards/scs/v2/memstore"
	"github.com/seed3bbca6c1/scs"
	"github.com/seed3bbca6c1/scs/memstore"
)

// typeName names t with its package's name, not its import path, so that
// scs.Status or *memstore.MemStore reads the same in both libraries.
func typeName(t reflect.Type) string {
	return t.String()
}

// sameSignature reports whether two method or func types match, reading
// types of the two libraries' packages by name.
func sameSignature(a, b reflect.Type) bool {
	if a.NumIn() != b.NumIn() || a.NumOut() != b.NumOut() || a.IsVariadic() != b.IsVariadic() {
		return false
	}
	for i := 0; i < a.NumIn(); i++ {
		if typeName(a.In(i)) != typeName(b.In(i)) {
			return false
		}
	}
	for i := 0; i < a.NumOut(); i++ {
		if typeName(a.Out(i)) != typeName(b.Out(i)) {
			return false
		}
	}
	return true
}

// TestAPIIsASupersetOfSCS checks, method by method and field by field, that
// code written against SCS v2 compiles against this module: every exported
// method, field and interface method of SCS v2 exists here with the same
// signature and type.
func TestAPIIsASupersetOfSCS(t *testing.T) {
	pairs := []struct {
		name         string
		theirs, ours reflect.Type
	}{
		{"*SessionManager", reflect.TypeOf(&scsv2.SessionManager{}), reflect.TypeOf(&scs.SessionManager{})},
		{"SessionCookie", reflect.TypeOf(scsv2.SessionCookie{}), reflect.TypeOf(scs.SessionCookie{})},
		{"GobCodec", reflect.TypeOf(scsv2.GobCodec{}), reflect.TypeOf(scs.GobCodec{})},
		{"Store", reflect.TypeOf((*scsv2.Store)(nil)).Elem(), reflect.TypeOf((*scs.Store)(nil)).Elem()},
		{"CtxStore", reflect.TypeOf((*scsv2.CtxStore)(nil)).Elem(), reflect.TypeOf((*scs.CtxStore)(nil)).Elem()},
		{"IterableStore", reflect.TypeOf((*scsv2.IterableStore)(nil)).Elem(), reflect.TypeOf((*scs.IterableStore)(nil)).Elem()},
		{"IterableCtxStore", reflect.TypeOf((*scsv2.IterableCtxStore)(nil)).Elem(), reflect.TypeOf((*scs.IterableCtxStore)(nil)).Elem()},
		{"Codec", reflect.TypeOf((*scsv2.Codec)(nil)).Elem(), reflect.TypeOf((*scs.Codec)(nil)).Elem()},
		{"*memstore.MemStore", reflect.TypeOf(scsv2memstore.New()), reflect.TypeOf(memstore.New())},
	}
	for _, p := range pairs {
		for i := 0; i < p.theirs.NumMethod(); i++ {
			m := p.theirs.Method(i)
			o, ok := p.ours.MethodByName(m.Name)
			if !ok {
				t.Errorf("%s.%s is missing", p.name, m.Name)
				continue
			}
			mt, ot := m.Type, o.Type
			if p.theirs.Kind() != reflect.Interface {
				// Method values of concrete types take the receiver first.
				mt, ot = funcWithoutReceiver(mt), funcWithoutReceiver(ot)
			}
			if !sameSignature(mt, ot) {
				t.Errorf("%s.%s is %v here, %v in SCS v2", p.name, m.Name, ot, mt)
			}
		}
		base := p.theirs
		if base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		if base.Kind() != reflect.Struct {
			continue
		}
		ourBase := p.ours
		if ourBase.Kind() == reflect.Pointer {
			ourBase = ourBase.Elem()
		}
		for i := 0; i < base.NumField(); i++ {
			f := base.Field(i)
			if !f.IsExported() {
				continue
			}
			o, ok := ourBase.FieldByName(f.Name)
			if !ok || typeName(o.Type) != typeName(f.Type) {
				t.Errorf("%s field %s: here %v, in SCS v2 %v", p.name, f.Name, o.Type, f.Type)
			}
		}
	}

	funcs := []struct {
		name         string
		theirs, ours any
	}{
		{"New", scsv2.New, scs.New},
		//lint:ignore SA1019 the deprecated alias is part of the API to keep
		{"NewSession", scsv2.NewSession, scs.NewSession},
		{"memstore.New", scsv2memstore.New, memstore.New},
		{"memstore.NewWithCleanupInterval", scsv2memstore.NewWithCleanupInterval, memstore.NewWithCleanupInterval},
	}
	for _, f := range funcs {
		if a, b := reflect.TypeOf(f.theirs), reflect.TypeOf(f.ours); !sameSignature(a, b) {
			t.Errorf("%s is %v here, %v in SCS v2", f.name, b, a)
		}
	}
	if scs.Unmodified != scs.Status(scsv2.Unmodified) || scs.Modified != scs.Status(scsv2.Modified) || scs.Destroyed != scs.Status(scsv2.Destroyed) {
		t.Error("Status constants differ")
	}
}

// funcWithoutReceiver returns the func type of a method expression without
// its receiver argument.
func funcWithoutReceiver(ft reflect.Type) reflect.Type {
	in := make([]reflect.Type, 0, ft.NumIn()-1)
	for i := 1; i < ft.NumIn(); i++ {
		in = append(in, ft.In(i))
	}
	out := make([]reflect.Type, 0, ft.NumOut())
	for i := 0; i < ft.NumOut(); i++ {
		out = append(out, ft.Out(i))
	}
	return reflect.FuncOf(in, out, ft.IsVariadic())
}
