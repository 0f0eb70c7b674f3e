#include "textflag.h"

// func dotAVX2(a, b []float32) float32
// The caller guarantees len(b) >= len(a).
TEXT ·dotAVX2(SB), NOSPLIT, $0-52
	MOVQ a_base+0(FP), SI
	MOVQ a_len+8(FP), CX
	MOVQ b_base+24(FP), DI
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3

loop32:
	CMPQ CX, $32
	JL   loop8
	VMOVUPS (SI), Y4
	VMOVUPS 32(SI), Y5
	VMOVUPS 64(SI), Y6
	VMOVUPS 96(SI), Y7
	VFMADD231PS (DI), Y4, Y0
	VFMADD231PS 32(DI), Y5, Y1
	VFMADD231PS 64(DI), Y6, Y2
	VFMADD231PS 96(DI), Y7, Y3
	ADDQ $128, SI
	ADDQ $128, DI
	SUBQ $32, CX
	JMP  loop32

loop8:
	CMPQ CX, $8
	JL   reduce
	VMOVUPS (SI), Y4
	VFMADD231PS (DI), Y4, Y0
	ADDQ $32, SI
	ADDQ $32, DI
	SUBQ $8, CX
	JMP  loop8

reduce:
	VADDPS Y1, Y0, Y0
	VADDPS Y3, Y2, Y2
	VADDPS Y2, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS X1, X0, X0
	VHADDPS X0, X0, X0
	VHADDPS X0, X0, X0

tail:
	TESTQ CX, CX
	JE    done
	VMOVSS (SI), X4
	VFMADD231SS (DI), X4, X0
	ADDQ $4, SI
	ADDQ $4, DI
	DECQ CX
	JMP  tail

done:
	VZEROUPPER
	MOVSS X0, ret+48(FP)
	RET

// func gemm5x16TapsAVX2(a *float32, lda int, b *float32, taps, runs *int, c *float32, ldc int, k, tiles int, bias *float32)
// Five rows of c, tiles*16 columns: c = max(bias + a·b, 0), b being k×(16
// tiles) columns read in place: step t of tile i loads its 16 columns as two
// runs of eight, from b+taps[t]+runs[2i] and b+taps[t]+runs[2i+1] (offsets
// in elements; ldc in elements too). Each step broadcasts one weight per row
// and loads the 16 columns once for all five rows, so ten accumulators share
// seven loads.
TEXT ·gemm5x16TapsAVX2(SB), NOSPLIT, $0-80
	MOVQ a+0(FP), SI
	MOVQ lda+8(FP), R8
	SHLQ $2, R8
	MOVQ runs+32(FP), DI
	MOVQ c+40(FP), DX
	MOVQ k+56(FP), CX
	LEAQ (SI)(CX*4), CX  // end of a's first row
	MOVQ tiles+64(FP), R12
	MOVQ bias+72(FP), R13
	LEAQ (R8)(R8*2), R14 // three rows of a
	VXORPS Y15, Y15, Y15
	TESTQ R12, R12
	JE    tapsdone

tapstile:
	VBROADCASTSS (R13), Y0
	VMOVAPS      Y0, Y1
	VBROADCASTSS 4(R13), Y2
	VMOVAPS      Y2, Y3
	VBROADCASTSS 8(R13), Y4
	VMOVAPS      Y4, Y5
	VBROADCASTSS 12(R13), Y6
	VMOVAPS      Y6, Y7
	VBROADCASTSS 16(R13), Y8
	VMOVAPS      Y8, Y9
	MOVQ         b+16(FP), R9
	MOVQ         (DI), R11
	LEAQ         (R9)(R11*4), BX // first run of eight
	MOVQ         8(DI), R11
	LEAQ         (R9)(R11*4), R9 // second run
	MOVQ         taps+24(FP), R10
	MOVQ         SI, AX
	CMPQ         AX, CX
	JAE          tapsstore

tapsloop:
	MOVQ         (R10), R11
	VMOVUPS      (BX)(R11*4), Y10
	VMOVUPS      (R9)(R11*4), Y11
	VBROADCASTSS (AX), Y12
	VFMADD231PS  Y10, Y12, Y0
	VFMADD231PS  Y11, Y12, Y1
	VBROADCASTSS (AX)(R8*1), Y13
	VFMADD231PS  Y10, Y13, Y2
	VFMADD231PS  Y11, Y13, Y3
	VBROADCASTSS (AX)(R8*2), Y14
	VFMADD231PS  Y10, Y14, Y4
	VFMADD231PS  Y11, Y14, Y5
	VBROADCASTSS (AX)(R14*1), Y12
	VFMADD231PS  Y10, Y12, Y6
	VFMADD231PS  Y11, Y12, Y7
	VBROADCASTSS (AX)(R8*4), Y13
	VFMADD231PS  Y10, Y13, Y8
	VFMADD231PS  Y11, Y13, Y9
	ADDQ         $4, AX
	ADDQ         $8, R10
	CMPQ         AX, CX
	JB           tapsloop

tapsstore:
	// max(0, x) returns x when x is NaN, as max(x, 0) does in Go.
	VMAXPS  Y0, Y15, Y0
	VMAXPS  Y1, Y15, Y1
	VMAXPS  Y2, Y15, Y2
	VMAXPS  Y3, Y15, Y3
	VMAXPS  Y4, Y15, Y4
	VMAXPS  Y5, Y15, Y5
	VMAXPS  Y6, Y15, Y6
	VMAXPS  Y7, Y15, Y7
	VMAXPS  Y8, Y15, Y8
	VMAXPS  Y9, Y15, Y9
	MOVQ    ldc+48(FP), R11
	SHLQ    $2, R11
	VMOVUPS Y0, (DX)
	VMOVUPS Y1, 32(DX)
	LEAQ    (DX)(R11*1), BX
	VMOVUPS Y2, (BX)
	VMOVUPS Y3, 32(BX)
	VMOVUPS Y4, (DX)(R11*2)
	VMOVUPS Y5, 32(DX)(R11*2)
	LEAQ    (BX)(R11*2), BX
	VMOVUPS Y6, (BX)
	VMOVUPS Y7, 32(BX)
	VMOVUPS Y8, (DX)(R11*4)
	VMOVUPS Y9, 32(DX)(R11*4)
	ADDQ    $16, DI
	ADDQ    $64, DX
	DECQ    R12
	JNZ     tapstile

tapsdone:
	VZEROUPPER
	RET

// tailmask<>+32-4*r is a mask of r lanes out of 8, for the last r < 8
// elements of a row: masked loads never read past it.
DATA tailmask<>+0(SB)/4, $0xffffffff
DATA tailmask<>+4(SB)/4, $0xffffffff
DATA tailmask<>+8(SB)/4, $0xffffffff
DATA tailmask<>+12(SB)/4, $0xffffffff
DATA tailmask<>+16(SB)/4, $0xffffffff
DATA tailmask<>+20(SB)/4, $0xffffffff
DATA tailmask<>+24(SB)/4, $0xffffffff
DATA tailmask<>+28(SB)/4, $0xffffffff
DATA tailmask<>+32(SB)/4, $0
DATA tailmask<>+36(SB)/4, $0
DATA tailmask<>+40(SB)/4, $0
DATA tailmask<>+44(SB)/4, $0
DATA tailmask<>+48(SB)/4, $0
DATA tailmask<>+52(SB)/4, $0
DATA tailmask<>+56(SB)/4, $0
DATA tailmask<>+60(SB)/4, $0
GLOBL tailmask<>(SB), RODATA|NOPTR, $64

// func dots4AVX2(a, x, y []float32)
// y[j] = a[j*len(x):][:len(x)]·x, four rows at a time. The caller guarantees
// len(y)%4 == 0 and len(a) >= len(y)*len(x). Each load of x feeds four rows.
TEXT ·dots4AVX2(SB), NOSPLIT, $0-72
	MOVQ a_base+0(FP), SI
	MOVQ x_base+24(FP), DI
	MOVQ x_len+32(FP), CX
	MOVQ y_base+48(FP), DX
	MOVQ y_len+56(FP), R12
	SHRQ $2, R12
	JE   dotsdone
	MOVQ CX, R8
	SHLQ $2, R8           // one row of a
	LEAQ (R8)(R8*2), R9   // three rows
	MOVQ CX, R14
	ANDQ $7, R14          // tail length
	MOVQ R14, AX
	NEGQ AX
	LEAQ tailmask<>(SB), BX
	VMOVUPS 32(BX)(AX*4), Y15
	MOVQ CX, R11
	ANDQ $-8, R11
	LEAQ (DI)(R11*4), R11 // end of x's whole vectors

dotsblock:
	VXORPS Y0, Y0, Y0
	VXORPS Y1, Y1, Y1
	VXORPS Y2, Y2, Y2
	VXORPS Y3, Y3, Y3
	VXORPS Y4, Y4, Y4
	VXORPS Y5, Y5, Y5
	VXORPS Y6, Y6, Y6
	VXORPS Y7, Y7, Y7
	MOVQ   SI, AX
	MOVQ   DI, BX

dots16:
	LEAQ        64(BX), R13
	CMPQ        R13, R11
	JA          dots8
	VMOVUPS     (BX), Y8
	VMOVUPS     32(BX), Y9
	VFMADD231PS (AX), Y8, Y0
	VFMADD231PS 32(AX), Y9, Y1
	VFMADD231PS (AX)(R8*1), Y8, Y2
	VFMADD231PS 32(AX)(R8*1), Y9, Y3
	VFMADD231PS (AX)(R8*2), Y8, Y4
	VFMADD231PS 32(AX)(R8*2), Y9, Y5
	VFMADD231PS (AX)(R9*1), Y8, Y6
	VFMADD231PS 32(AX)(R9*1), Y9, Y7
	ADDQ        $64, AX
	ADDQ        $64, BX
	JMP         dots16

dots8:
	CMPQ        BX, R11
	JAE         dotstail
	VMOVUPS     (BX), Y8
	VFMADD231PS (AX), Y8, Y0
	VFMADD231PS (AX)(R8*1), Y8, Y2
	VFMADD231PS (AX)(R8*2), Y8, Y4
	VFMADD231PS (AX)(R9*1), Y8, Y6
	ADDQ        $32, AX
	ADDQ        $32, BX

dotstail:
	TESTQ       R14, R14
	JE          dotsreduce
	VMASKMOVPS  (BX), Y15, Y8
	VMASKMOVPS  (AX), Y15, Y9
	VFMADD231PS Y9, Y8, Y1
	VMASKMOVPS  (AX)(R8*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y3
	VMASKMOVPS  (AX)(R8*2), Y15, Y9
	VFMADD231PS Y9, Y8, Y5
	VMASKMOVPS  (AX)(R9*1), Y15, Y9
	VFMADD231PS Y9, Y8, Y7

dotsreduce:
	VADDPS       Y1, Y0, Y0
	VADDPS       Y3, Y2, Y2
	VADDPS       Y5, Y4, Y4
	VADDPS       Y7, Y6, Y6
	VHADDPS      Y2, Y0, Y0
	VHADDPS      Y6, Y4, Y4
	VHADDPS      Y4, Y0, Y0
	VEXTRACTF128 $1, Y0, X1
	VADDPS       X1, X0, X0
	VMOVUPS      X0, (DX)
	ADDQ         $16, DX
	LEAQ         (SI)(R8*4), SI
	DECQ         R12
	JNZ          dotsblock

dotsdone:
	VZEROUPPER
	RET

// poolpairs<> gathers the even lanes of a vector into its low half and the
// odd ones into its high half.
DATA poolpairs<>+0(SB)/4, $0
DATA poolpairs<>+4(SB)/4, $2
DATA poolpairs<>+8(SB)/4, $4
DATA poolpairs<>+12(SB)/4, $6
DATA poolpairs<>+16(SB)/4, $1
DATA poolpairs<>+20(SB)/4, $3
DATA poolpairs<>+24(SB)/4, $5
DATA poolpairs<>+28(SB)/4, $7
GLOBL poolpairs<>(SB), RODATA|NOPTR, $32

// func maxPool2AVX2(in, out []float32, side int)
// Pools maps of side×side by 2×2, eight columns of a pair of rows at a time.
// The caller guarantees side%8 == 0, len(in)%(2*side) == 0 and
// len(out) >= len(in)/4.
TEXT ·maxPool2AVX2(SB), NOSPLIT, $0-56
	MOVQ    in_base+0(FP), SI
	MOVQ    in_len+8(FP), CX
	MOVQ    out_base+24(FP), DI
	MOVQ    side+48(FP), R8
	MOVQ    R8, R9
	SHRQ    $3, R9       // vectors per row
	SHLQ    $2, R8       // one row
	VMOVUPS poolpairs<>(SB), Y14
	SHRQ    $3, CX       // vectors in all
	MOVQ    R9, DX

poolloop:
	TESTQ        CX, CX
	JE           pooldone
	VMOVUPS      (SI), Y0
	VMAXPS       (SI)(R8*1), Y0, Y0
	VPERMPS      Y0, Y14, Y0
	VEXTRACTF128 $1, Y0, X1
	VMAXPS       X1, X0, X0
	VMOVUPS      X0, (DI)
	ADDQ         $32, SI
	ADDQ         $16, DI
	SUBQ         $2, CX  // this vector and the one below it
	DECQ         DX
	JNE          poolloop
	ADDQ         R8, SI  // past the row pooled with this one
	MOVQ         R9, DX
	JMP          poolloop

pooldone:
	VZEROUPPER
	RET
