//! The IR verifier: catches malformed IR from the lowering before a back end
//! turns it into wrong machine code.

use crate::ir::*;

pub fn verify_function(f: &Function) -> Result<(), String> {
    let nv = f.value_types.len();
    let mut defined = vec![false; nv];
    let mut def = |v: Value, what: &str| -> Result<(), String> {
        let i = v.0 as usize;
        if i >= nv {
            return Err(format!("{} defines {} which has no type", what, v));
        }
        if defined[i] {
            return Err(format!("{} defined twice ({})", v, what));
        }
        defined[i] = true;
        Ok(())
    };
    if f.blocks.is_empty() {
        return Err("no blocks".into());
    }
    if f.blocks[0].params.len() != f.params.len() {
        return Err("entry block parameters differ from the function's".into());
    }
    for (i, b) in f.blocks.iter().enumerate() {
        for &p in &b.params {
            def(p, &format!("b{} parameter", i))?;
        }
        for inst in &b.insts {
            if let Some(r) = inst.result {
                def(r, &format!("b{} instruction", i))?;
            }
        }
    }
    let check_use = |v: Value| -> Result<(), String> {
        if (v.0 as usize) < nv && defined[v.0 as usize] {
            Ok(())
        } else {
            Err(format!("use of undefined value {}", v))
        }
    };
    let check_call = |c: &BlockCall| -> Result<(), String> {
        let tb = f.blocks.get(c.block.0 as usize).ok_or_else(|| format!("jump to missing block {}", c.block))?;
        if tb.params.len() != c.args.len() {
            return Err(format!("jump to {} passes {} args for {} params", c.block, c.args.len(), tb.params.len()));
        }
        for (a, p) in c.args.iter().zip(&tb.params) {
            check_use(*a)?;
            if f.ty(*a) != f.ty(*p) {
                return Err(format!("jump to {} passes {} ({}) for {} ({})", c.block, a, f.ty(*a), p, f.ty(*p)));
            }
        }
        Ok(())
    };
    for b in &f.blocks {
        for inst in &b.insts {
            let ty = |v: &Value| f.ty(*v);
            match &inst.op {
                Op::Iconst(_) | Op::SlotAddr(_) | Op::SymAddr(_) | Op::Fconst(_) => {}
                Op::Bin(op, a, c) => {
                    check_use(*a)?;
                    check_use(*c)?;
                    let is_f = matches!(op, BinOp::FAdd | BinOp::FSub | BinOp::FMul | BinOp::FDiv);
                    if ty(a) != ty(c) || ty(a).is_float() != is_f {
                        return Err(format!("{:?} on {} and {}", op, ty(a), ty(c)));
                    }
                }
                Op::Icmp(_, a, c) | Op::Fcmp(_, a, c) => {
                    check_use(*a)?;
                    check_use(*c)?;
                    if ty(a) != ty(c) {
                        return Err(format!("compare of {} with {}", ty(a), ty(c)));
                    }
                }
                Op::Un(_, a) | Op::Cast(_, a) | Op::Copy(a) => check_use(*a)?,
                Op::Load { addr, .. } => check_use(*addr)?,
                Op::Store { value, addr, .. } => {
                    check_use(*value)?;
                    check_use(*addr)?;
                }
                Op::Call { callee, args } => {
                    if let Callee::Indirect(v) = callee {
                        check_use(*v)?;
                    }
                    for a in args {
                        check_use(*a)?;
                    }
                }
                Op::Atomic(o, args) => {
                    if args.len() != o.arity() {
                        return Err(format!("atomic {:?} takes {} operands", o, o.arity()));
                    }
                    for a in args {
                        check_use(*a)?;
                    }
                }
                Op::ThreadPointer => {}
                Op::Syscall(args) => {
                    if args.is_empty() || args.len() > 7 {
                        return Err("syscall takes a number and up to six arguments".into());
                    }
                    for a in args {
                        check_use(*a)?;
                    }
                }
            }
        }
        match &b.term {
            Terminator::Jump(c) => check_call(c)?,
            Terminator::Branch { cond, then, else_ } => {
                check_use(*cond)?;
                check_call(then)?;
                check_call(else_)?;
            }
            Terminator::Return(v) => {
                if let Some(v) = v {
                    check_use(*v)?;
                }
                if v.map(|v| f.ty(v)) != f.ret {
                    return Err("return value does not match the function's return type".into());
                }
            }
            Terminator::Unreachable => {}
        }
    }
    Ok(())
}
