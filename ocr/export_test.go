package ocr

// DecodeJPEGGray lets the external benchmarks time libjpeg-turbo alone.
var DecodeJPEGGray = decodeJPEGGray
