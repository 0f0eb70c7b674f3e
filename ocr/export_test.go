package ocr

// DecodeJPEGGray lets the external benchmarks time libjpeg-turbo alone.
var DecodeJPEGGray = decodeJPEGGray

// DecodeJPEGRGB lets the external benchmarks time libjpeg-turbo's colour decode.
var DecodeJPEGRGB = decodeJPEGRGB
