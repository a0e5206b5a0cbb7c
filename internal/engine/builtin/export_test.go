package builtin

// NewUncalibrated returns an engine whose confidences are the raw scores,
// so that tests can pin the scoring apart from the calibration map.
func NewUncalibrated() *Engine { return &Engine{raw: true} }
