//! The textual form of the IR (`dc --emit ir`): one uniform dump format, the
//! first tool for finding a bug before and after a pass.

use crate::ir::*;
use std::fmt::Write;

pub fn print_module(m: &Module) -> String {
    let mut s = String::new();
    for d in &m.data {
        let ro = if d.readonly { " readonly" } else { "" };
        if d.bytes.iter().all(|&b| b == 0) {
            let _ = write!(s, "data {} align {}{} = zeroes {}", d.name, d.align, ro, d.bytes.len());
        } else {
            let _ = write!(s, "data {} align {}{} = {:?}", d.name, d.align, ro, String::from_utf8_lossy(&d.bytes));
        }
        for r in &d.relocs {
            let _ = write!(s, " [+{}: {}+{}]", r.offset, r.symbol, r.addend);
        }
        s.push('\n');
    }
    for f in &m.functions {
        s.push('\n');
        s.push_str(&print_function(f));
    }
    s
}

fn args(vs: &[Value]) -> String {
    vs.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ")
}

fn call(c: &BlockCall) -> String {
    if c.args.is_empty() {
        c.block.to_string()
    } else {
        format!("{}({})", c.block, args(&c.args))
    }
}

pub fn print_op(op: &Op) -> String {
    match op {
        Op::Iconst(v) => format!("iconst {}", v),
        Op::Fconst(v) => format!("fconst {:?}", v),
        Op::Bin(o, a, b) => format!("{:?} {}, {}", o, a, b).to_lowercase(),
        Op::Un(o, a) => format!("{:?} {}", o, a).to_lowercase(),
        Op::Icmp(c, a, b) => format!("icmp {:?} {}, {}", c, a, b).to_lowercase(),
        Op::Fcmp(c, a, b) => format!("fcmp {:?} {}, {}", c, a, b).to_lowercase(),
        Op::Cast(c, a) => format!("{:?} {}", c, a).to_lowercase(),
        Op::Load { addr, offset } => format!("load [{}{:+}]", addr, offset),
        Op::Store { value, addr, offset } => format!("store {}, [{}{:+}]", value, addr, offset),
        Op::SlotAddr(s) => format!("slot_addr {}", s),
        Op::SymAddr(n) => format!("sym_addr {}", n),
        Op::Call { callee: Callee::Direct(n), args: a } => format!("call {}({})", n, args(a)),
        Op::Call { callee: Callee::Indirect(v), args: a } => format!("call_indirect {}({})", v, args(a)),
        Op::Syscall(a) => format!("syscall({})", args(a)),
        Op::Copy(v) => format!("copy {}", v),
        Op::Atomic(o, a) => format!("atomic.{:?}({})", o, args(a)).to_lowercase(),
        Op::ThreadPointer => "thread_pointer".to_string(),
    }
}

pub fn print_function(f: &Function) -> String {
    let mut s = String::new();
    let params: Vec<String> = f.params.iter().map(|t| t.to_string()).collect();
    let _ = writeln!(
        s,
        "func {}({}){}{} {{",
        f.name,
        params.join(", "),
        f.ret.map(|t| format!(" -> {}", t)).unwrap_or_default(),
        if f.linkage == Linkage::Global { " global" } else { "" }
    );
    for (i, sl) in f.slots.iter().enumerate() {
        let _ = writeln!(s, "  ss{}: size {} align {}", i, sl.size, sl.align);
    }
    for (i, b) in f.blocks.iter().enumerate() {
        let ps: Vec<String> = b.params.iter().map(|v| format!("{}: {}", v, f.ty(*v))).collect();
        if ps.is_empty() {
            let _ = writeln!(s, "b{}:", i);
        } else {
            let _ = writeln!(s, "b{}({}):", i, ps.join(", "));
        }
        for inst in &b.insts {
            let loc = if inst.span.line > 0 { format!("    ; {}:{}", inst.span.line, inst.span.col) } else { String::new() };
            match inst.result {
                Some(v) => {
                    let _ = writeln!(s, "  {}: {} = {}{}", v, f.ty(v), print_op(&inst.op), loc);
                }
                None => {
                    let _ = writeln!(s, "  {}{}", print_op(&inst.op), loc);
                }
            }
        }
        let t = match &b.term {
            Terminator::Jump(c) => format!("jump {}", call(c)),
            Terminator::Branch { cond, then, else_ } => format!("branch {}, {}, {}", cond, call(then), call(else_)),
            Terminator::Return(Some(v)) => format!("return {}", v),
            Terminator::Return(None) => "return".to_string(),
            Terminator::Unreachable => "unreachable".to_string(),
        };
        let _ = writeln!(s, "  {}", t);
    }
    s.push_str("}\n");
    s
}
