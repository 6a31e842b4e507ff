"""Four-wide float64 vectors for numba kernels, written as LLVM IR.

numba switches LLVM's SLP vectoriser off, so a kernel with a handful of scalar accumulators
stays scalar. These intrinsics (numba's public extension API) let a kernel say what it
means: load four neighbouring doubles, multiply by a broadcast scalar, add, store. The
multiply and the add are separate IEEE operations (no fused multiply-add, no fast-math), so a
kernel built from them rounds exactly as the same sums written with scalars.

Loads, stores and :func:`get` do **no bounds checks**: callers guarantee the indices.
Imported only by the compiled kernels, never by ``import escalation``.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.core.datamodel import models
from numba.extending import intrinsic, register_model

__all__ = ["add", "get", "load", "muladd", "store", "zero"]

_VEC = ir.VectorType(ir.DoubleType(), 4)


class _F64x4(types.Type):
    def __init__(self) -> None:
        super().__init__(name="f64x4")


f64x4 = _F64x4()


@register_model(_F64x4)
class _F64x4Model(models.PrimitiveModel):
    def __init__(self, dmm, fe_type):  # noqa: ANN001 - numba's signature
        super().__init__(dmm, fe_type, _VEC)


def _address(context, builder, arrty, arr, index):  # noqa: ANN001, ANN202 - codegen helpers
    return builder.gep(context.make_array(arrty)(context, builder, arr).data, [index])


@intrinsic
def zero(typingctx):  # noqa: ANN001, ANN201
    """``(0, 0, 0, 0)``."""
    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        return ir.Constant(_VEC, [0.0] * 4)
    return f64x4(), codegen


@intrinsic
def load(typingctx, arr, index):  # noqa: ANN001, ANN201
    """``arr[index:index + 4]`` of a contiguous 1-D float64 array, unchecked."""
    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        ptr = _address(context, builder, signature.args[0], args[0], args[1])
        return builder.load(builder.bitcast(ptr, _VEC.as_pointer()), align=8)
    return f64x4(arr, index), codegen


@intrinsic
def store(typingctx, arr, index, x):  # noqa: ANN001, ANN201
    """``arr[index:index + 4] = x``, unchecked."""
    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        ptr = _address(context, builder, signature.args[0], args[0], args[1])
        builder.store(args[2], builder.bitcast(ptr, _VEC.as_pointer()), align=8)
        return context.get_dummy_value()
    return types.void(arr, index, x), codegen


@intrinsic
def muladd(typingctx, acc, a, x):  # noqa: ANN001, ANN201
    """``acc + a * x`` with the scalar ``a`` broadcast: a rounded multiply, then a rounded add."""
    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        undef = ir.Constant(_VEC, ir.Undefined)
        lane = builder.insert_element(undef, args[1], ir.Constant(ir.IntType(32), 0))
        splat = builder.shuffle_vector(lane, undef, ir.Constant(ir.VectorType(ir.IntType(32), 4), [0] * 4))
        return builder.fadd(args[0], builder.fmul(splat, args[2]))
    return f64x4(acc, a, x), codegen


@intrinsic
def add(typingctx, x, y):  # noqa: ANN001, ANN201
    """``x + y``, lane by lane."""
    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        return builder.fadd(args[0], args[1])
    return f64x4(x, y), codegen


@intrinsic
def get(typingctx, arr, index):  # noqa: ANN001, ANN201
    """``arr[index]`` of a contiguous 1-D array, without wraparound or bounds checks."""
    def codegen(context, builder, signature, args):  # noqa: ANN001, ANN202
        return builder.load(_address(context, builder, signature.args[0], args[0], args[1]))
    return arr.dtype(arr, index), codegen
