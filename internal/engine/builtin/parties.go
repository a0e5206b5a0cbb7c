package builtin

func (fd *finder) readParties(pr *prose, f int) {}
