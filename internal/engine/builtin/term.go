package builtin

func (fd *finder) readTerm(pr *prose, f int) {}
