//! dc's C library: the C functions a `foreign "C"` block may bind with no
//! object that defines them. dc links no libc; instead each name here is a
//! weak alias (made after code generation, `Object::define_weak_alias`) of
//! an implementation written in dusk: the C math functions are std.libm's
//! (std/libm.dusk, loaded whenever a program has a foreign block), the
//! rest are rt/clib.dusk's, and the variadic printf family enters through
//! per-ISA shims in asm/<arch>/clib.rs that store the argument registers
//! for the dusk formatter. An object the program links that defines one of
//! these names wins over the alias, as a strong symbol wins over a weak one.

/// (C name, implementing symbol).
pub const FUNCTIONS: &[(&str, &str)] = &[
    // <math.h>
    ("sqrt", "__m_sqrt"),
    ("cbrt", "__m_cbrt"),
    ("hypot", "__m_hypot"),
    ("exp", "__m_exp"),
    ("log", "__m_log"),
    ("log2", "__m_log2"),
    ("log10", "__m_log10"),
    ("pow", "__rt_pow_f64"),
    ("sin", "__m_sin"),
    ("cos", "__m_cos"),
    ("tan", "__m_tan"),
    ("asin", "__m_asin"),
    ("acos", "__m_acos"),
    ("atan", "__m_atan"),
    ("atan2", "__m_atan2"),
    ("fabs", "__m_fabs"),
    ("trunc", "__m_trunc"),
    ("floor", "__m_floor"),
    ("ceil", "__m_ceil"),
    ("round", "__m_round"),
    ("fmod", "__m_fmod"),
    ("fmin", "__m_fmin"),
    ("fmax", "__m_fmax"),
    // <stdlib.h>
    ("abs", "__c_abs"),
    ("labs", "__c_labs"),
    ("llabs", "__c_labs"),
    ("qsort", "__c_qsort"),
    ("exit", "__c_exit"),
    // <string.h>
    ("strlen", "__c_strlen"),
    ("strcmp", "__c_strcmp"),
    ("strncmp", "__c_strncmp"),
    ("memcpy", "__c_memcpy"),
    ("memmove", "__c_memmove"),
    ("memset", "__c_memset"),
    ("memcmp", "__c_memcmp"),
    // <stdio.h>
    ("puts", "__c_puts"),
    ("putchar", "__c_putchar"),
    ("printf", "__c_printf"),
    ("sprintf", "__c_sprintf"),
    ("snprintf", "__c_snprintf"),
];

/// The assembly entry points of the variadic functions (asm/<arch>/clib.rs),
/// defined in the runtime's assembly object rather than the program's.
pub const SHIMS: &[&str] = &["__c_printf", "__c_sprintf", "__c_snprintf"];

/// The dusk functions those shims call: global, so the runtime's assembly
/// object can reach them.
pub const SHIM_TARGETS: &[&str] = &["__c_printf_va", "__c_sprintf_va", "__c_snprintf_va"];

/// The implementation of C function `name`, if dc provides it.
pub fn provided(name: &str) -> Option<&'static str> {
    FUNCTIONS.iter().find(|(c, _)| *c == name).map(|(_, imp)| *imp)
}

/// The libraries whose functions dc provides itself: `@link "m"` (or "c")
/// asks for nothing more.
pub fn is_provided_library(name: &str) -> bool {
    matches!(name, "c" | "m")
}
