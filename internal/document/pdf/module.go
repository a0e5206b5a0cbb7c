package pdf

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"unicode/utf16"

	"github.com/klippa-app/go-pdfium"
	pdfiumerrors "github.com/klippa-app/go-pdfium/errors"
	"github.com/tetratelabs/wazero/api"
)

// module calls the functions PDFium's WebAssembly module exports directly,
// for reading pages. go-pdfium's methods wrap each call in work that costs
// more than PDFium's own for the calls made once per character: every
// out-parameter is allocated, zeroed and freed inside the module (three more
// calls into it), handles are looked up by string in maps, and every
// response is a heap object. With one box per character, that overhead was
// most of a parse. go-pdfium still serves the calls made once per page or
// document where it adds something (rendering for OCR and RenderPNG).
//
// A module belongs to one goroutine, as its instance does.
type module struct {
	impl  implementation
	mem   api.Memory
	stack [12]uint64
	fn    struct {
		malloc, free                             api.Function
		loadMemDocument, closeDocument           api.Function
		getLastError, getPageCount               api.Function
		loadPage, closePage                      api.Function
		pageWidth, pageHeight, pageToDevice      api.Function
		countObjects                             api.Function
		loadText, closeText, countChars, getText api.Function
		getUnicode, looseCharBox                 api.Function
	}
}

// implementation is what module needs of the value go-pdfium's WebAssembly
// instances return from GetImplementation: its exported functions, by name
// (memoized per instance), and the lock that keeps go-pdfium's own calls
// from interleaving with ours. Its wazero module is an exported field.
type implementation interface {
	Fn(name string) api.Function
	Lock()
	Unlock()
}

// newModule reaches the WebAssembly module behind inst. It fails only if
// go-pdfium changed how it exposes its implementation, which the package's
// tests catch on upgrade.
func newModule(inst pdfium.Pdfium) (*module, error) {
	impl, ok := inst.GetImplementation().(implementation)
	if !ok {
		return nil, fmt.Errorf("go-pdfium implementation %T has no Fn, Lock and Unlock methods", inst.GetImplementation())
	}
	v := reflect.ValueOf(impl)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("go-pdfium implementation %T is not a pointer to a struct", impl)
	}
	field := v.Elem().FieldByName("Module")
	if !field.IsValid() || !field.CanInterface() {
		return nil, fmt.Errorf("go-pdfium implementation %T has no exported Module field", impl)
	}
	mod, ok := field.Interface().(api.Module)
	if !ok || mod == nil || mod.Memory() == nil {
		return nil, fmt.Errorf("go-pdfium implementation %T has no wazero module with memory", impl)
	}
	m := &module{impl: impl, mem: mod.Memory()}
	for name, fn := range map[string]*api.Function{
		"malloc":                   &m.fn.malloc,
		"free":                     &m.fn.free,
		"FPDF_LoadMemDocument":     &m.fn.loadMemDocument,
		"FPDF_CloseDocument":       &m.fn.closeDocument,
		"FPDF_GetLastError":        &m.fn.getLastError,
		"FPDF_GetPageCount":        &m.fn.getPageCount,
		"FPDF_LoadPage":            &m.fn.loadPage,
		"FPDF_ClosePage":           &m.fn.closePage,
		"FPDF_GetPageWidthF":       &m.fn.pageWidth,
		"FPDF_GetPageHeightF":      &m.fn.pageHeight,
		"FPDF_PageToDevice":        &m.fn.pageToDevice,
		"FPDFPage_CountObjects":    &m.fn.countObjects,
		"FPDFText_LoadPage":        &m.fn.loadText,
		"FPDFText_ClosePage":       &m.fn.closeText,
		"FPDFText_CountChars":      &m.fn.countChars,
		"FPDFText_GetText":         &m.fn.getText,
		"FPDFText_GetUnicode":      &m.fn.getUnicode,
		"FPDFText_GetLooseCharBox": &m.fn.looseCharBox,
	} {
		if *fn = impl.Fn(name); *fn == nil {
			return nil, fmt.Errorf("pdfium module does not export %s", name)
		}
	}
	return m, nil
}

// call calls fn with args and returns its result (0 if it has none). The
// module is 32-bit: pointers and C ints are in the result's low 32 bits.
func (m *module) call(ctx context.Context, fn api.Function, args ...uint64) (uint64, error) {
	clear(m.stack[:])
	copy(m.stack[:], args)
	if err := fn.CallWithStack(ctx, m.stack[:]); err != nil {
		return 0, err
	}
	return m.stack[0], nil
}

// callInt calls fn for a C int (or FPDF_BOOL) result.
func (m *module) callInt(ctx context.Context, fn api.Function, args ...uint64) (int, error) {
	r, err := m.call(ctx, fn, args...)
	return int(int32(uint32(r))), err
}

func (m *module) malloc(ctx context.Context, size int) (uint32, error) {
	p, err := m.call(ctx, m.fn.malloc, uint64(size))
	if err != nil {
		return 0, err
	}
	if p == 0 {
		return 0, errors.New("pdfium is out of memory")
	}
	return uint32(p), nil
}

func (m *module) free(ctx context.Context, p uint32) {
	if p != 0 {
		_, _ = m.call(ctx, m.fn.free, uint64(p))
	}
}

// wasmDoc is a document open in a module.
type wasmDoc struct {
	m      *module
	handle uint64
	// data holds the file in the module's memory: PDFium reads it until the
	// document is closed.
	data uint32
	// out is room for the out-parameters of one call: a rectangle of four
	// floats, or two ints.
	out uint32
	// text holds a page's text as UTF-16, grown as pages need.
	text     uint32
	textSize int
}

// openDocument opens data in m. Its errors are go-pdfium's for the same
// failures, so that openError words them for the user.
func (m *module) openDocument(ctx context.Context, data []byte) (*wasmDoc, error) {
	if len(data) > math.MaxInt32 {
		return nil, pdfiumerrors.ErrFile
	}
	m.impl.Lock()
	defer m.impl.Unlock()
	d := &wasmDoc{m: m}
	var err error
	if d.data, err = m.malloc(ctx, len(data)); err != nil {
		return nil, err
	}
	if d.out, err = m.malloc(ctx, 16); err != nil {
		d.release(ctx)
		return nil, err
	}
	if !m.mem.Write(d.data, data) {
		d.release(ctx)
		return nil, errors.New("write pdf to pdfium memory: out of range")
	}
	if d.handle, err = m.call(ctx, m.fn.loadMemDocument, uint64(d.data), uint64(len(data)), 0); err != nil {
		d.release(ctx)
		return nil, err
	}
	if uint32(d.handle) != 0 {
		return d, nil
	}
	code, err := m.callInt(ctx, m.fn.getLastError)
	d.release(ctx)
	if err != nil {
		return nil, err
	}
	// FPDF_ERR_* in fpdfview.h.
	switch code {
	case 2:
		return nil, pdfiumerrors.ErrFile
	case 3:
		return nil, pdfiumerrors.ErrFormat
	case 4:
		return nil, pdfiumerrors.ErrPassword
	case 5:
		return nil, pdfiumerrors.ErrSecurity
	case 6:
		return nil, pdfiumerrors.ErrPage
	default:
		return nil, pdfiumerrors.ErrUnknown
	}
}

// close closes the document and frees its memory.
func (d *wasmDoc) close(ctx context.Context) {
	d.m.impl.Lock()
	defer d.m.impl.Unlock()
	if uint32(d.handle) != 0 {
		_, _ = d.m.call(ctx, d.m.fn.closeDocument, d.handle)
		d.handle = 0
	}
	d.release(ctx)
}

func (d *wasmDoc) release(ctx context.Context) {
	for _, p := range []*uint32{&d.data, &d.out, &d.text} {
		d.m.free(ctx, *p)
		*p = 0
	}
	d.textSize = 0
}

func (d *wasmDoc) pageCount(ctx context.Context) (int, error) {
	d.m.impl.Lock()
	defer d.m.impl.Unlock()
	return d.m.callInt(ctx, d.m.fn.getPageCount, d.handle)
}

// wasmPage is a page loaded from a wasmDoc, with its text page once
// loadText succeeded. Its methods are called with the module locked.
type wasmPage struct {
	d          *wasmDoc
	page, text uint64
}

// loadPage loads page index (0-based); ok is false if PDFium cannot.
func (d *wasmDoc) loadPage(ctx context.Context, index int) (p wasmPage, ok bool, err error) {
	h, err := d.m.call(ctx, d.m.fn.loadPage, d.handle, uint64(index))
	return wasmPage{d: d, page: h}, err == nil && uint32(h) != 0, err
}

func (p *wasmPage) close(ctx context.Context) {
	if uint32(p.text) != 0 {
		_, _ = p.d.m.call(ctx, p.d.m.fn.closeText, p.text)
	}
	if uint32(p.page) != 0 {
		_, _ = p.d.m.call(ctx, p.d.m.fn.closePage, p.page)
	}
}

// size returns the page's displayed width and height in points.
func (p *wasmPage) size(ctx context.Context) (w, h float64, err error) {
	rw, err := p.d.m.call(ctx, p.d.m.fn.pageWidth, p.page)
	if err != nil {
		return 0, 0, err
	}
	rh, err := p.d.m.call(ctx, p.d.m.fn.pageHeight, p.page)
	if err != nil {
		return 0, 0, err
	}
	return float64(api.DecodeF32(rw)), float64(api.DecodeF32(rh)), nil
}

// toDevice is FPDF_PageToDevice with no rotation: where the point (x, y) of
// user space lands on a device of sx × sy pixels showing the page.
func (p *wasmPage) toDevice(ctx context.Context, sx, sy int, x, y float64) (dx, dy int, err error) {
	m, out := p.d.m, p.d.out
	ok, err := m.callInt(ctx, m.fn.pageToDevice, p.page, 0, 0, uint64(sx), uint64(sy), 0,
		api.EncodeF64(x), api.EncodeF64(y), uint64(out), uint64(out+4))
	if err != nil {
		return 0, 0, err
	}
	ix, okx := m.mem.ReadUint32Le(out)
	iy, oky := m.mem.ReadUint32Le(out + 4)
	if ok == 0 || !okx || !oky {
		return 0, 0, errors.New("pdfium could not map the point")
	}
	return int(int32(ix)), int(int32(iy)), nil
}

func (p *wasmPage) countObjects(ctx context.Context) (int, error) {
	return p.d.m.callInt(ctx, p.d.m.fn.countObjects, p.page)
}

// loadText prepares the page's text; ok is false if PDFium cannot.
func (p *wasmPage) loadText(ctx context.Context) (ok bool, err error) {
	p.text, err = p.d.m.call(ctx, p.d.m.fn.loadText, p.page)
	return err == nil && uint32(p.text) != 0, err
}

func (p *wasmPage) countChars(ctx context.Context) (int, error) {
	return p.d.m.callInt(ctx, p.d.m.fn.countChars, p.text)
}

// runes appends to dst the character at each of the count indexes of the
// text page. One call for the page's text is much cheaper than one per
// character; it holds one rune per index unless PDFium's text differs from
// its characters (it can, around ligatures and broken fonts, and characters
// beyond the Basic Multilingual Plane take two UTF-16 units), and then the
// characters are asked for one by one.
func (p *wasmPage) runes(ctx context.Context, count int, dst []rune) ([]rune, error) {
	dst = dst[:0]
	if count == 0 {
		return dst, nil
	}
	d, m := p.d, p.d.m
	if size := (count + 1) * 2; size > d.textSize {
		m.free(ctx, d.text)
		d.text, d.textSize = 0, 0
		var err error
		if d.text, err = m.malloc(ctx, size); err != nil {
			return nil, err
		}
		d.textSize = size
	}
	n, err := m.callInt(ctx, m.fn.getText, p.text, 0, uint64(count), uint64(d.text))
	if err != nil {
		return nil, err
	}
	// n counts the terminating NUL.
	if n-1 == count {
		raw, ok := m.mem.Read(d.text, uint32(2*count))
		if !ok {
			return nil, errors.New("page text is out of pdfium memory")
		}
		surrogates := false
		for i := range count {
			u := rune(raw[2*i]) | rune(raw[2*i+1])<<8
			surrogates = surrogates || utf16.IsSurrogate(u)
			dst = append(dst, u)
		}
		if !surrogates {
			return dst, nil
		}
		units := make([]uint16, count)
		for i, u := range dst {
			units[i] = uint16(u)
		}
		// A pair makes the text shorter than count, and the characters
		// are then asked for one by one; a lone surrogate is U+FFFD.
		if dst = append(dst[:0], utf16.Decode(units)...); len(dst) == count {
			return dst, nil
		}
	}
	dst = dst[:0]
	for i := range count {
		u, err := m.call(ctx, m.fn.getUnicode, p.text, uint64(i))
		if err != nil {
			return nil, fmt.Errorf("char %d: %w", i, err)
		}
		dst = append(dst, rune(uint32(u)))
	}
	return dst, nil
}

// looseCharBox returns the box of character i in user space, spanning its
// font's ascent to descent; ok is false when PDFium has none.
func (p *wasmPage) looseCharBox(ctx context.Context, i int) (left, top, right, bottom float64, ok bool, err error) {
	m, out := p.d.m, p.d.out
	r, err := m.callInt(ctx, m.fn.looseCharBox, p.text, uint64(i), uint64(out))
	if err != nil || r == 0 {
		return 0, 0, 0, 0, false, err
	}
	// FS_RECTF: left, top, right, bottom as float32.
	b, ok := m.mem.Read(out, 16)
	if !ok {
		return 0, 0, 0, 0, false, errors.New("char box is out of pdfium memory")
	}
	f := func(i int) float64 {
		return float64(math.Float32frombits(uint32(b[i]) | uint32(b[i+1])<<8 | uint32(b[i+2])<<16 | uint32(b[i+3])<<24))
	}
	return f(0), f(4), f(8), f(12), true, nil
}
