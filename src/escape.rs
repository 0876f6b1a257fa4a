//! Escape analysis of frame views: the pass after type checking that rejects
//! a program whose frame-local memory outlives its frame.
//!
//! A *frame view* is a value that points into the current frame: a slice of a
//! local array (or of an array literal, which lives in the frame too), or a
//! closure whose environment the frame holds. Returning one, or storing one
//! into memory the caller can reach, leaves it dangling once the frame is
//! reclaimed (spec: "Escaping Value Lifetimes"; digest 5.7).
//!
//! The analysis is an abstract interpretation over *locations*. Every value
//! is abstracted to the set of locations it may point into (`Loc`), kept per
//! component of its type (`AVal`), so a clean sibling field never inherits a
//! frame view from its neighbour. Memory contents are abstracted per location
//! (`State::mem`): what the values stored there may point into. Locals are
//! tracked flow sensitively (a reassignment to a clean value cleans the
//! local); control flow joins, and loops iterate to a fixed point.
//!
//! Calls go through a summary of the callee, expressed over the callee's
//! parameters: what its result may point into (`Arg(i)`: what argument i
//! points into; `Deep(i)`: anything reachable from there; a fresh object),
//! what it stores into memory its arguments reach, and what a method stores
//! into its receiver. Summaries start empty and are recomputed over the whole
//! program until none changes, which settles recursion. Diagnostics are
//! reported only by the last round, when every summary is final.
//!
//! A lambda is a unit of its own with a summary, its parameters being its
//! environment, then each capture (a copy the environment holds), then its
//! own parameters. A lambda expression evaluates to its code and, when it
//! captures, its environment (`Env`, a frame slot of the evaluating frame).
//! A call through a function value whose possible codes are all known (a
//! named function, a lambda of the program) goes through their summaries;
//! any other (a function parameter, a closure held in a struct field) is
//! opaque, and an argument reaching the frame is rejected there, as the spec
//! prescribes. `map`, `filter`, `fold`, `reduce` and `foreach` call their
//! function on the elements (and accumulator) and collect into the heap.
//!
//! A value handed to another thread (`chan_send`, `chan_try_send`, a
//! `spawn` or `submit` capture) must not reach the frame through memory: a
//! pointer whose object a store polluted with a frame view would be read
//! there after the frame is gone. A summary records which parameters a
//! function hands over this way (`sinks`), directly, through a helper or
//! lambda that does, or through an opaque callee (which may send any
//! managed pointer it is given), and a call is checked against it. A
//! function-typed local bound by a destructure, a match or loop binder or
//! a call result is an opaque callee, as a struct field is.
//!
//! Raw pointers are walked like managed ones. The spec leaves a view stored
//! through a `*raw T` to the FFI honour system, but the standard library's
//! containers keep their elements in raw buffers their (managed) header
//! owns, and a frame view pushed into a vector must still be caught; a raw
//! pointer never points into a frame itself (dusk has no address-of), so
//! this only follows what is stored into and read back out of heap buffers.

use crate::ast::*;
use crate::check::{key, CallRes, Checked, Functional, NameRes};
use crate::diag::Diagnostics;
use crate::source::Span;
use crate::types::{prim, TyId, TyKind};
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod collector;

/// An abstract memory location, relative to the function being analysed.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Loc {
    /// The storage of a local of this frame (an array being sliced).
    Local(u32),
    /// A temporary array of this frame (an array literal viewed as a slice,
    /// keyed by the expression).
    Temp(usize),
    /// The environment of a capturing closure made in this frame (keyed by
    /// the lambda): a frame slot holding copies of the captured locals.
    Env(usize),
    /// Not memory: a table entry recording what capture j of the
    /// environment `Env(k)` points into, for calls of the closure. No value
    /// points here.
    Capture(usize, u32),
    /// What parameter i points into: memory the caller owns.
    Arg(u32),
    /// Anything reachable from the contents of `Arg(i)`.
    Deep(u32),
    /// A heap object made at this site (an allocation, or the fresh result
    /// of a call). In a summary, `Obj(0)` is any object the callee made.
    Obj(usize),
    /// The code of a function value (not memory: it names what a call
    /// through the value runs).
    Code(Code),
    /// The collected heap: every block a `collector<T>` mint made. It
    /// outlives every frame (escape/collector.rs).
    Collected,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Code {
    Func(u32),
    /// Lambda `i` of function `f` (`FuncDecl::lambdas`).
    Lambda(u32, u32),
}

impl Loc {
    fn is_frame(self) -> bool {
        matches!(self, Loc::Local(_) | Loc::Temp(_) | Loc::Env(_))
    }
    /// Memory the caller owns: a store into it outlives the frame.
    fn param(self) -> Option<u32> {
        match self {
            Loc::Arg(i) | Loc::Deep(i) => Some(i),
            _ => None,
        }
    }
}

type Locs = BTreeSet<Loc>;

/// The abstraction of a value: per component of its type (struct fields,
/// tuple members, the merged elements of an array), the locations the
/// component may point into.
#[derive(Clone, Debug, PartialEq)]
enum AVal {
    Leaf(Locs),
    Agg(Vec<AVal>),
}

impl AVal {
    fn empty() -> AVal {
        AVal::Leaf(Locs::new())
    }

    fn flat(&self) -> Locs {
        let mut out = Locs::new();
        self.flat_into(&mut out);
        out
    }

    fn flat_into(&self, out: &mut Locs) {
        match self {
            AVal::Leaf(s) => out.extend(s.iter().copied()),
            AVal::Agg(parts) => parts.iter().for_each(|p| p.flat_into(out)),
        }
    }

    fn join(&self, other: &AVal) -> AVal {
        match (self, other) {
            (AVal::Leaf(a), AVal::Leaf(b)) => AVal::Leaf(a.union(b).copied().collect()),
            (AVal::Agg(a), AVal::Agg(b)) if a.len() == b.len() => AVal::Agg(a.iter().zip(b).map(|(x, y)| x.join(y)).collect()),
            _ => {
                let mut s = self.flat();
                other.flat_into(&mut s);
                AVal::Leaf(s)
            }
        }
    }

    /// Component `i` (a field, a tuple member; 0 for an array's elements).
    fn part(&self, i: usize) -> AVal {
        match self {
            AVal::Agg(parts) if i < parts.len() => parts[i].clone(),
            other => AVal::Leaf(other.flat()),
        }
    }

    fn map(&self, f: &mut dyn FnMut(&Locs) -> Locs) -> AVal {
        match self {
            AVal::Leaf(s) => AVal::Leaf(f(s)),
            AVal::Agg(parts) => AVal::Agg(parts.iter().map(|p| p.map(f)).collect()),
        }
    }
}

/// What a call of a function does to frame views, over its parameters
/// (a method's receiver is parameter 0).
#[derive(Clone, Debug, PartialEq)]
struct Summary {
    /// What the result may point into.
    ret: AVal,
    /// `Arg(j)`/`Deep(j)` -> what the function stores there.
    stores: BTreeMap<Loc, Locs>,
    /// What a method stores into its receiver's storage.
    recv: Locs,
    /// What the objects the function makes (and may hand back) hold.
    fresh: Locs,
    /// The parameters the function hands to another thread, with whatever
    /// they reach: sent over a channel, captured by a spawned lambda, or
    /// given to an opaque call that may do either (spec: "which parameters
    /// are handed to chan_send or chan_try_send, directly or through a
    /// helper").
    sinks: BTreeSet<u32>,
}

impl Default for Summary {
    fn default() -> Self {
        Summary { ret: AVal::empty(), stores: BTreeMap::new(), recv: Locs::new(), fresh: Locs::new(), sinks: BTreeSet::new() }
    }
}

/// How a call argument is named in a diagnostic, and whether its type can
/// hold a managed pointer (what an opaque callee may send to a thread).
#[derive(Clone)]
struct ArgNote {
    name: Option<String>,
    managed: bool,
}

/// The abstract state at a program point.
#[derive(Clone, Debug, PartialEq)]
struct State {
    locals: Vec<AVal>,
    mem: BTreeMap<Loc, Locs>,
    /// Locals of function type whose value the walk does not resolve to a
    /// fixed function or lambda (bound by a destructure, a match or a loop):
    /// a call through one is opaque, as a struct field callee is.
    unresolved: BTreeSet<u32>,
    /// False after a return, break or continue: nothing flows from here.
    live: bool,
}

impl State {
    fn join(&self, other: &State) -> State {
        if !self.live {
            return other.clone();
        }
        if !other.live {
            return self.clone();
        }
        let locals = self.locals.iter().zip(&other.locals).map(|(a, b)| a.join(b)).collect();
        let mut mem = self.mem.clone();
        for (l, s) in &other.mem {
            mem.entry(*l).or_default().extend(s.iter().copied());
        }
        let unresolved = self.unresolved.union(&other.unresolved).copied().collect();
        State { locals, mem, unresolved, live: true }
    }

    fn dead(&self) -> State {
        State { live: false, ..self.clone() }
    }
}

/// The summaries of every function and every lambda.
struct Sums {
    funcs: Vec<Summary>,
    lambdas: Vec<Vec<Summary>>,
}

impl Sums {
    fn get(&self, code: Code) -> &Summary {
        match code {
            Code::Func(f) => &self.funcs[f as usize],
            Code::Lambda(f, i) => &self.lambdas[f as usize][i as usize],
        }
    }

    fn slot(&mut self, code: Code) -> &mut Summary {
        match code {
            Code::Func(f) => &mut self.funcs[f as usize],
            Code::Lambda(f, i) => &mut self.lambdas[f as usize][i as usize],
        }
    }
}

/// Runs the analysis over every function and lambda of the program and
/// reports the escapes found in user code.
pub fn check(c: &Checked, diags: &mut Diagnostics) {
    let n = c.funcs.len();
    let mut sums = Sums { funcs: vec![Summary::default(); n], lambdas: c.funcs.iter().map(|f| vec![Summary::default(); f.lambdas.len()]).collect() };
    let units: Vec<Code> = (0..n as u32).flat_map(|f| std::iter::once(Code::Func(f)).chain((0..c.funcs[f as usize].lambdas.len() as u32).map(move |i| Code::Lambda(f, i)))).collect();
    // Summaries only grow, over a finite set of locations, so this settles;
    // the bound is a guard against a bug, not a limit programs reach.
    for _round in 0..64 {
        let mut changed = false;
        for &u in &units {
            let s = Fx::new(c, &sums, u, false).run();
            if s != *sums.get(u) {
                *sums.slot(u) = s;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    // The instances of one generic function share its source: one report
    // per position and message.
    let mut errors = BTreeMap::new();
    for &u in &units {
        let (Code::Func(f) | Code::Lambda(f, _)) = u;
        if c.funcs[f as usize].runtime {
            continue;
        }
        let mut fx = Fx::new(c, &sums, u, true);
        fx.run();
        for (at, (span, msg)) in fx.errors {
            errors.entry((at, msg.clone())).or_insert((span, msg));
        }
    }
    for (span, msg) in errors.into_values() {
        diags.error(span, msg);
    }
    for (span, msg) in &c.info.deferred {
        diags.error(*span, msg.clone());
    }
}

/// Where a store writes, for the diagnostic when it lets a view escape.
enum Sink {
    /// An assignment statement.
    Assign,
    /// A call's summary: the callee stores into what argument `arg` (0-based
    /// over the summary's parameters) reaches; `direct` when that argument
    /// is written as a parameter's name.
    Call { span: Span, callee: Code, arg: usize, direct: bool },
}

/// One function's (or lambda's) analysis.
struct Fx<'c, 'a> {
    c: &'c Checked<'a>,
    sums: &'c Sums,
    /// The function whose locals table the unit uses (a lambda's locals are
    /// its enclosing function's).
    func: u32,
    /// The unit: the function itself, or one of its lambdas.
    unit: Code,
    report: bool,
    /// A method: local 0 is the receiver, parameter 0 of the summary.
    method: bool,
    nparams: u32,
    /// The local each summary parameter arrives in (None for a lambda's
    /// environment, parameter 0).
    params: Vec<Option<u32>>,
    /// A lambda's captures: locals of enclosing frames, read from the
    /// environment (`Arg(0)`).
    captures: Vec<u32>,
    ret_ty: TyId,
    body: &'a Block<'a>,
    /// States at `break` and `continue` of the loops being walked.
    loops: Vec<(Vec<State>, Vec<State>)>,
    /// The state where the function returns, and what it returns.
    exit: Option<State>,
    ret_val: AVal,
    /// Per call: each argument's label ("argument 2", "the receiver") and
    /// what it reaches (for naming the argument a returned view came through).
    call_args: HashMap<usize, Vec<(String, Locs)>>,
    /// Per object: the call that stored a frame view into it.
    notes: HashMap<Loc, String>,
    /// Diagnostics by source position (a loop walked twice reports once).
    errors: BTreeMap<(u32, u32, u32), (Span, String)>,
    /// The unit's parameters handed to another thread (`Summary::sinks`).
    sunk: BTreeSet<u32>,
}

const SLICE_ESCAPES: &str = "a slice into a local array escapes its frame";
const CLOSURE_ESCAPES: &str = "a closure that captures a local escapes its frame";

impl<'c, 'a> Fx<'c, 'a> {
    fn new(c: &'c Checked<'a>, sums: &'c Sums, unit: Code, report: bool) -> Fx<'c, 'a> {
        let (Code::Func(func) | Code::Lambda(func, _)) = unit;
        let d = &c.funcs[func as usize];
        let (method, params, captures, ret_ty, body) = match unit {
            Code::Func(_) => {
                let method = d.receiver.is_some();
                let n = d.params.len() as u32 + method as u32;
                (method, (0..n).map(Some).collect(), Vec::new(), d.ret, d.item.body)
            }
            // A lambda's parameters: its environment, each capture (a copy
            // the environment holds, pointing where the captured local did),
            // then its own parameters.
            Code::Lambda(_, i) => {
                let lam = &d.lambdas[i as usize];
                let mut params = vec![None];
                params.extend(lam.captures.iter().map(|l| Some(l.0)));
                params.extend(lam.lambda.params.iter().map(|p| c.info.decls.get(&key(&p.name)).map(|l| l.0)));
                (false, params, lam.captures.iter().map(|l| l.0).collect(), lam.ret, lam.lambda.body)
            }
        };
        let nparams = params.len() as u32;
        Fx {
            c,
            sums,
            func,
            unit,
            report,
            method,
            nparams,
            params,
            captures,
            ret_ty,
            body,
            loops: Vec::new(),
            exit: None,
            ret_val: AVal::empty(),
            call_args: HashMap::new(),
            notes: HashMap::new(),
            errors: BTreeMap::new(),
            sunk: BTreeSet::new(),
        }
    }

    /// Whether local `l` is a capture of the lambda being analysed: its
    /// storage is the environment.
    fn is_capture(&self, l: u32) -> bool {
        self.captures.contains(&l)
    }

    fn error(&mut self, span: Span, msg: String) {
        if self.report {
            self.errors.insert((span.file.0, span.lo, span.hi), (span, msg));
        }
    }

    // ----- types --------------------------------------------------------

    fn ty(&self, e: &Expr) -> TyId {
        self.c.info.expr_ty.get(&key(e)).copied().unwrap_or(prim::ERR)
    }

    fn kind(&self, t: TyId) -> &TyKind {
        self.c.types.kind(t)
    }

    /// Whether a value of type `t` may point into memory this pass tracks.
    fn carries(&self, t: TyId, depth: u32) -> bool {
        if depth > 16 {
            return true;
        }
        match self.kind(t) {
            TyKind::Slice(_) | TyKind::Ptr(_) | TyKind::RawPtr(_) | TyKind::VoidPtr | TyKind::Func(..) => true,
            // Not lowered yet, or unknown: assume the worst.
            TyKind::Enum(..) | TyKind::Interface(..) | TyKind::Param(..) | TyKind::Err => true,
            TyKind::Array(e, _) => self.carries(*e, depth + 1),
            TyKind::Tuple(ts) => ts.iter().any(|t| self.carries(*t, depth + 1)),
            TyKind::Struct(..) => self.c.types.struct_fields(t).iter().any(|(_, t)| self.carries(*t, depth + 1)),
            _ => false,
        }
    }

    /// A value of type `t` every pointer-carrying component of which may
    /// point into `locs`.
    fn shape(&self, t: TyId, locs: &Locs) -> AVal {
        self.shape_at(t, locs, 0)
    }

    fn shape_at(&self, t: TyId, locs: &Locs, depth: u32) -> AVal {
        if depth > 16 {
            return AVal::Leaf(locs.clone());
        }
        match self.kind(t) {
            TyKind::Struct(..) => AVal::Agg(self.c.types.struct_fields(t).iter().map(|(_, ft)| self.shape_at(*ft, locs, depth + 1)).collect()),
            TyKind::Tuple(ts) => AVal::Agg(ts.iter().map(|m| self.shape_at(*m, locs, depth + 1)).collect()),
            TyKind::Array(el, _) => AVal::Agg(vec![self.shape_at(*el, locs, depth + 1)]),
            _ if self.carries(t, depth) => AVal::Leaf(locs.clone()),
            _ => AVal::empty(),
        }
    }

    /// `v` reshaped to type `t` (a value that lost its structure, e.g. one
    /// read from memory, spreads over every component).
    fn fit(&self, t: TyId, v: AVal) -> AVal {
        let want = self.shape(t, &Locs::new());
        if same_shape(&want, &v) {
            v
        } else {
            self.shape(t, &v.flat())
        }
    }

    /// Field `name` of the struct type `t`: its position and type.
    fn field(&self, t: TyId, name: &str) -> Option<(usize, TyId)> {
        if !matches!(self.kind(t), TyKind::Struct(..)) {
            return None;
        }
        let fields = self.c.types.struct_fields(t);
        fields.iter().position(|(n, _)| n == name).map(|i| (i, fields[i].1))
    }

    fn local_ty(&self, l: u32) -> TyId {
        self.c.funcs[self.func as usize].locals.get(l as usize).map_or(prim::ERR, |x| x.ty)
    }

    // ----- memory -------------------------------------------------------

    /// What the values stored at `l` may point into.
    fn contents(&self, st: &State, l: Loc) -> Locs {
        match l {
            Loc::Local(i) => st.locals.get(i as usize).map_or_else(Locs::new, |v| v.flat()),
            Loc::Code(_) => Locs::new(),
            _ => st.mem.get(&l).cloned().unwrap_or_default(),
        }
    }

    fn contents_of(&self, st: &State, locs: &Locs) -> Locs {
        let mut out = Locs::new();
        for &l in locs {
            out.extend(self.contents(st, l));
        }
        out
    }

    /// Everything reachable from the contents of `locs`, at any depth.
    fn reach1(&self, st: &State, locs: &Locs) -> Locs {
        // What the collected heap holds was judged where it was collected;
        // a value pointing there views no frame through it.
        let mut seen = Locs::new();
        let start: Locs = locs.iter().copied().filter(|l| *l != Loc::Collected).collect();
        let mut work: Vec<Loc> = self.contents_of(st, &start).into_iter().collect();
        while let Some(l) = work.pop() {
            if seen.insert(l) && l != Loc::Collected {
                work.extend(self.contents(st, l));
            }
        }
        seen
    }

    fn reach(&self, st: &State, locs: &Locs) -> Locs {
        let mut r = self.reach1(st, locs);
        r.extend(locs.iter().copied());
        r
    }

    /// Locations of the caller's memory reach: what the parameters point
    /// into, and whatever has been stored there.
    fn escaped(&self, st: &State) -> Locs {
        let mut roots: Locs = (0..self.nparams).flat_map(|i| [Loc::Arg(i), Loc::Deep(i)]).collect();
        roots.insert(Loc::Collected);
        self.reach(st, &roots)
    }

    /// Writes `contents` into location `l` (a weak update: `l` may stand for
    /// many cells), reporting a frame view that thereby outlives the frame.
    fn store(&mut self, st: &mut State, l: Loc, contents: &Locs, span: Span, sink: &Sink) {
        if contents.is_empty() {
            return;
        }
        match l {
            Loc::Local(i) => {
                let t = self.local_ty(i);
                let add = self.shape(t, contents);
                if let Some(v) = st.locals.get_mut(i as usize) {
                    *v = v.join(&add);
                }
            }
            Loc::Code(_) => return,
            _ => st.mem.entry(l).or_default().extend(contents.iter().copied()),
        }
        let frame: Locs = self.reach(st, contents).into_iter().filter(|x| x.is_frame()).collect();
        if frame.is_empty() {
            return;
        }
        // A method's receiver is the caller's storage, though it is local 0.
        let receiver = self.method && l == Loc::Local(0);
        if l.is_frame() && !receiver {
            return;
        }
        let outlives = receiver || l.param().is_some() || l == Loc::Collected || self.escaped(st).contains(&l);
        if !outlives {
            if let Sink::Call { callee, arg, .. } = sink {
                let note = self.stored_into(*callee, *arg);
                self.notes.entry(l).or_insert(note);
            }
            return;
        }
        let owner = if receiver { 0 } else { self.owning_param(st, l) };
        let msg = match sink {
            _ if l == Loc::Collected => self.collected_store_message(sink),
            Sink::Assign => format!("a frame view is stored into a place reachable through {}, which outlives this frame; put the backing on the heap", self.param_name(owner)),
            Sink::Call { callee, arg, direct, .. } => {
                let direct = *direct;
                let pos = self.arg_label(*callee, *arg);
                if direct {
                    format!("this call stores a view of the current frame into a place that outlives it: the view is stored into {}, which belongs to the caller; put the backing on the heap", pos)
                } else {
                    format!("a frame view is stored through a pointer that borrows {}; the place outlives this frame, put the backing on the heap", self.own_param_label(owner))
                }
            }
        };
        let span = match sink {
            Sink::Call { span, .. } => *span,
            Sink::Assign => span,
        };
        self.error(span, msg);
    }

    /// A store into a component of a method's receiver: the caller's storage.
    fn receiver_store(&mut self, st: &State, v: &AVal, span: Span) {
        if self.reach(st, &v.flat()).iter().any(|l| l.is_frame()) {
            self.error(span, "a frame view is stored into a place reachable through parameter 'self', which outlives this frame; put the backing on the heap".to_string());
        }
    }

    /// The parameter whose memory reaches `l`.
    fn owning_param(&self, st: &State, l: Loc) -> u32 {
        if let Some(i) = l.param() {
            return i;
        }
        for i in 0..self.nparams {
            let roots: Locs = [Loc::Arg(i), Loc::Deep(i)].into_iter().collect();
            if self.reach(st, &roots).contains(&l) {
                return i;
            }
        }
        0
    }

    /// "parameter 'x'" for the message about a store into its memory.
    fn param_name(&self, i: u32) -> String {
        let d = &self.c.funcs[self.func as usize];
        match self.params.get(i as usize) {
            Some(None) => "a captured local".into(),
            Some(Some(l)) if self.is_capture(*l) => format!("the captured '{}'", d.locals.get(*l as usize).map_or("", |x| x.name.as_str())),
            Some(Some(l)) => format!("parameter '{}'", d.locals.get(*l as usize).map_or("", |x| x.name.as_str())),
            None => "a parameter".into(),
        }
    }

    /// "argument N" of the unit being analysed.
    fn own_param_label(&self, i: u32) -> String {
        self.arg_label(self.unit, i as usize)
    }

    fn callee_name(&self, f: u32) -> String {
        let d = &self.c.funcs[f as usize];
        match d.receiver {
            Some(_) => d.symbol.clone(),
            None => d.item.name.name.to_string(),
        }
    }

    /// Where a call of `code` stores a view: "the view is stored into
    /// argument 2 of 'stash'".
    fn stored_into(&self, code: Code, arg: usize) -> String {
        match code {
            Code::Lambda(f, i) if arg <= self.ncaptures(f, i) => "the closure called here stores the view through a pointer it captures".to_string(),
            Code::Lambda(..) => format!("the view is stored into {} of the closure called here", self.arg_label(code, arg)),
            Code::Func(f) => format!("the view is stored into {} of '{}'", self.arg_label(code, arg), self.callee_name(f)),
        }
    }

    /// "argument N" of a call of `code`, `i` counting a method's receiver
    /// (a closure's environment) as 0.
    fn arg_label(&self, code: Code, i: usize) -> String {
        match code {
            Code::Func(f) if self.c.funcs[f as usize].receiver.is_some() => {
                if i == 0 {
                    return "the receiver".into();
                }
                format!("argument {}", i)
            }
            Code::Func(_) => format!("argument {}", i + 1),
            Code::Lambda(f, l) => {
                let n = self.ncaptures(f, l);
                if i == 0 {
                    return "the closure's captures".into();
                }
                if i <= n {
                    let lam = &self.c.funcs[f as usize].lambdas[l as usize];
                    let name = self.c.funcs[f as usize].locals.get(lam.captures[i - 1].0 as usize).map_or("", |x| x.name.as_str());
                    return format!("the captured '{}'", name);
                }
                format!("argument {}", i - n)
            }
        }
    }

    fn ncaptures(&self, f: u32, i: u32) -> usize {
        self.c.funcs[f as usize].lambdas.get(i as usize).map_or(0, |l| l.captures.len())
    }

    fn is_param_name(&self, e: &Expr) -> bool {
        match self.c.info.names.get(&key(e.unparen())) {
            Some(NameRes::Local(l)) => self.params.contains(&Some(l.0)) && !self.is_capture(l.0),
            _ => false,
        }
    }

    // ----- the walk -----------------------------------------------------

    /// Walks the body; returns the function's summary.
    fn run(&mut self) -> Summary {
        let d = &self.c.funcs[self.func as usize];
        let mut st = State { locals: Vec::new(), mem: BTreeMap::new(), unresolved: BTreeSet::new(), live: true };
        for l in 0..d.locals.len() as u32 {
            let t = d.locals[l as usize].ty;
            // A parameter points where its argument does; a capture is a
            // copy the environment holds, so it points where that copy does.
            let v = match self.params.iter().position(|p| *p == Some(l)) {
                Some(i) => self.shape(t, &[Loc::Arg(i as u32)].into_iter().collect()),
                None => self.shape(t, &Locs::new()),
            };
            st.locals.push(v);
        }
        for i in 0..self.nparams {
            st.mem.insert(Loc::Arg(i), [Loc::Deep(i)].into_iter().collect());
            st.mem.insert(Loc::Deep(i), [Loc::Deep(i)].into_iter().collect());
        }
        // A lambda's environment holds its captures.
        if !self.captures.is_empty() {
            st.mem.insert(Loc::Arg(0), (1..=self.captures.len() as u32).map(Loc::Arg).collect());
        }
        let body = self.body;
        self.block(&mut st, body);
        if st.live {
            self.exit = Some(match self.exit.take() {
                Some(x) => x.join(&st),
                None => st,
            });
        }
        self.summary()
    }

    /// The summary, from the state at the exits.
    fn summary(&self) -> Summary {
        let Some(exit) = &self.exit else { return Summary { sinks: self.sunk.clone(), ..Summary::default() } };
        let clean = |s: &Locs| -> Locs {
            s.iter()
                .filter_map(|l| match l {
                    l if l.is_frame() => None,
                    Loc::Obj(_) => Some(Loc::Obj(0)),
                    l => Some(*l),
                })
                .collect()
        };
        let mut sum = Summary { ret: self.ret_val.map(&mut |s| clean(s)), sinks: self.sunk.clone(), ..Summary::default() };
        for i in 0..self.nparams {
            for t in [Loc::Arg(i), Loc::Deep(i)] {
                let mut s = clean(&exit.mem.get(&t).cloned().unwrap_or_default());
                s.remove(&Loc::Deep(i));
                if !s.is_empty() {
                    sum.stores.insert(t, s);
                }
            }
        }
        if self.method {
            let mut s = clean(&exit.locals[0].flat());
            s.remove(&Loc::Arg(0));
            sum.recv = s;
        }
        for (l, s) in &exit.mem {
            if matches!(l, Loc::Obj(_)) {
                sum.fresh.extend(clean(s));
            }
        }
        if let Some(s) = exit.mem.get(&Loc::Collected) {
            let s = clean(s);
            if !s.is_empty() {
                sum.stores.insert(Loc::Collected, s);
            }
        }
        sum
    }

    fn block(&mut self, st: &mut State, b: &'a Block<'a>) {
        for s in b.stmts {
            if !st.live {
                break;
            }
            self.stmt(st, s);
        }
    }

    fn stmt(&mut self, st: &mut State, s: &'a Stmt<'a>) {
        match &s.kind {
            StmtKind::Let(b) => self.let_stmt(st, b),
            StmtKind::Assign { place, value } => {
                let pt = self.ty(place);
                let v = self.ev_to(st, value, pt);
                self.assign(st, place, value, v, s.span);
            }
            StmtKind::CompoundAssign { place, value, .. } => {
                self.ev(st, place);
                self.ev(st, value);
            }
            StmtKind::IncDec { place, .. } => {
                self.ev(st, place);
            }
            StmtKind::If(i) => self.if_stmt(st, i),
            StmtKind::While { cond, body } => self.while_loop(st, Some(cond), body, None),
            StmtKind::DoWhile { body, cond } => {
                // The body runs once before the first test.
                self.while_loop(st, None, body, Some(cond));
            }
            StmtKind::For(f) => self.for_loop(st, f),
            StmtKind::Match(m) => {
                self.match_walk(st, m, false);
            }
            StmtKind::Return(v) => self.stmt_return(st, *v),
            StmtKind::Break => {
                if let Some(l) = self.loops.last_mut() {
                    l.0.push(st.clone());
                }
                *st = st.dead();
            }
            StmtKind::Continue => {
                if let Some(l) = self.loops.last_mut() {
                    l.1.push(st.clone());
                }
                *st = st.dead();
            }
            StmtKind::Defer(e) | StmtKind::Expr(e) => {
                self.ev(st, e);
            }
            // The branches run concurrently, but none assigns an outer
            // variable, so walking them in order is a sound summary.
            StmtKind::Parallel(b) => self.block(st, b),
        }
    }

    fn let_stmt(&mut self, st: &mut State, b: &'a Binding<'a>) {
        let decl = |n: &BindName| self.c.info.decls.get(&key(&n.name)).map(|l| l.0);
        if b.names.len() == 1 {
            let Some(l) = decl(&b.names[0]) else {
                self.ev(st, b.value);
                return;
            };
            let t = self.local_ty(l);
            let v = self.ev_to(st, b.value, t);
            st.locals[l as usize] = self.fit(t, v);
            self.bind_callee(st, l, Some(b.value));
            return;
        }
        // A member bound as a slice of an array member views the tuple.
        let tt = self.ty(b.value);
        let members = match self.kind(tt) {
            TyKind::Tuple(ms) => ms.clone(),
            _ => Vec::new(),
        };
        let views = b.names.iter().zip(&members).any(|(n, &m)| decl(n).map_or(false, |l| self.local_ty(l) != m));
        let (storage, v) = if views { self.ev_stored(st, b.value) } else { (Locs::new(), self.ev(st, b.value)) };
        for (i, n) in b.names.iter().enumerate() {
            if let Some(l) = decl(n) {
                self.bind_callee(st, l, None);
                let t = self.local_ty(l);
                st.locals[l as usize] = match members.get(i) {
                    Some(&m) if views => self.view_as(m, t, v.part(i), &storage),
                    _ => self.fit(t, v.part(i)),
                };
            }
        }
    }

    fn if_stmt(&mut self, st: &mut State, i: &'a IfStmt<'a>) {
        self.ev(st, i.cond);
        let mut then = st.clone();
        self.block(&mut then, i.then);
        match &i.els {
            None => {}
            Some(Else::Block(b)) => self.block(st, b),
            Some(Else::If(ii)) => self.if_stmt(st, ii),
        }
        *st = st.join(&then);
    }

    /// `while cond { body }` (cond first) or `do { body } while cond`.
    fn while_loop(&mut self, st: &mut State, pre: Option<&'a Expr<'a>>, body: &'a Block<'a>, post: Option<&'a Expr<'a>>) {
        let mut head = st.clone();
        loop {
            let mut s = head.clone();
            if let Some(c) = pre {
                self.ev(&mut s, c);
            }
            let before_body = s.clone();
            self.loops.push((Vec::new(), Vec::new()));
            self.block(&mut s, body);
            let (breaks, conts) = self.loops.pop().unwrap();
            for c in &conts {
                s = s.join(c);
            }
            if let Some(c) = post {
                self.ev(&mut s, c);
            }
            let next = head.join(&s);
            if next == head {
                // The loop leaves when the test fails (before or after the
                // body) or at a break.
                let mut out = if pre.is_some() { before_body } else { s };
                for b in &breaks {
                    out = out.join(b);
                }
                *st = out;
                return;
            }
            head = next;
        }
    }

    fn for_loop(&mut self, st: &mut State, f: &'a ForStmt<'a>) {
        let it = self.ev(st, f.iter);
        let elem = match self.kind(self.ty(f.iter)) {
            TyKind::Array(..) => Some(it.part(0)),
            TyKind::Slice(_) => Some(AVal::Leaf(self.contents_of(st, &it.flat()))),
            _ => None,
        };
        let binder = self.c.info.decls.get(&key(&f.first)).map(|l| l.0);
        let mut head = st.clone();
        loop {
            let mut s = head.clone();
            if let (Some(l), Some(v)) = (binder, &elem) {
                let t = self.local_ty(l);
                s.locals[l as usize] = self.fit(t, v.clone());
            }
            if let Some(l) = binder {
                self.bind_callee(&mut s, l, None);
            }
            self.loops.push((Vec::new(), Vec::new()));
            self.block(&mut s, f.body);
            let (breaks, conts) = self.loops.pop().unwrap();
            for c in &conts {
                s = s.join(c);
            }
            let next = head.join(&s);
            if next == head {
                let mut out = head;
                for b in &breaks {
                    out = out.join(b);
                }
                *st = out;
                return;
            }
            head = next;
        }
    }

    /// A match statement, or a match expression (`value`): each arm from
    /// the state after the scrutinee, its binders viewing what the
    /// scrutinee's payload views; the value is the join of the arms'.
    fn match_walk(&mut self, st: &mut State, m: &'a Match<'a>, value: bool) -> AVal {
        let scrut = self.ev(st, m.scrutinee).flat();
        let mut out: Option<State> = None;
        let mut val = AVal::empty();
        for arm in m.arms {
            let mut s = st.clone();
            let binders: Vec<&Ident> = match &arm.pat.kind {
                PatKind::Name(id) => vec![id],
                PatKind::Variant { binders, .. } => binders.iter().collect(),
                PatKind::Wildcard => Vec::new(),
            };
            for b in binders {
                if let Some(l) = self.c.info.decls.get(&key(b)) {
                    let t = self.local_ty(l.0);
                    s.locals[l.0 as usize] = self.shape(t, &scrut);
                    self.bind_callee(&mut s, l.0, None);
                }
            }
            let v = match &arm.body {
                ArmBody::Return(r) => {
                    self.stmt_return(&mut s, *r);
                    None
                }
                ArmBody::Expr(e) => Some(self.ev(&mut s, e)),
                ArmBody::Block(b) if value => self.block_value(&mut s, b),
                ArmBody::Block(b) => {
                    self.block(&mut s, b);
                    None
                }
            };
            if s.live {
                if let Some(v) = v {
                    val = val.join(&v);
                }
            }
            out = Some(match out {
                Some(o) => o.join(&s),
                None => s,
            });
        }
        if let Some(o) = out {
            *st = o;
        }
        val
    }

    /// A block whose last statement yields its value (a match arm).
    fn block_value(&mut self, st: &mut State, b: &'a Block<'a>) -> Option<AVal> {
        let (last, init) = b.stmts.split_last()?;
        for s in init {
            if !st.live {
                return None;
            }
            self.stmt(st, s);
        }
        if !st.live {
            return None;
        }
        match &last.kind {
            StmtKind::Expr(e) => Some(self.ev(st, e)),
            StmtKind::Match(m) => Some(self.match_walk(st, m, true)),
            _ => {
                self.stmt(st, last);
                None
            }
        }
    }

    fn stmt_return(&mut self, st: &mut State, v: Option<&'a Expr<'a>>) {
        if let Some(e) = v {
            self.ret(st, e);
        }
        self.exit = Some(match self.exit.take() {
            Some(x) => x.join(st),
            None => st.clone(),
        });
        *st = st.dead();
    }

    // ----- returns ------------------------------------------------------

    fn ret(&mut self, st: &mut State, e: &'a Expr<'a>) {
        let rt = self.ret_ty;
        let v = self.ev_to(st, e, rt);
        let v = self.fit(rt, v);
        self.ret_val = self.ret_val.join(&v);
        let direct = v.flat();
        let reached = self.reach(st, &direct);
        let frame: Locs = reached.iter().copied().filter(|l| l.is_frame()).collect();
        if frame.is_empty() {
            return;
        }
        // The value itself is a closure of this frame, or a slice of it; or
        // it reaches one through memory.
        let closure = if direct.iter().any(|l| l.is_frame()) { direct.iter().any(|l| matches!(l, Loc::Env(_))) } else { !frame.iter().any(|l| matches!(l, Loc::Local(_) | Loc::Temp(_))) };
        let slice = !closure;
        // A call handing back what an argument views: name the argument.
        if let ExprKind::Call { .. } = &e.unparen().kind {
            if let Some(n) = self.blamed_arg(e.unparen(), &frame) {
                self.error(e.span, format!("this call may return a view of {}, which views the current frame; put the backing on the heap", n));
                return;
            }
        }
        let what = if slice { SLICE_ESCAPES } else { CLOSURE_ESCAPES };
        if direct.iter().any(|l| l.is_frame()) {
            let tail = if slice { "put the backing on the heap" } else { "it cannot be returned" };
            self.error(e.span, format!("{}; {}", what, tail));
            return;
        }
        // The view is held by memory the returned value points to.
        if matches!(self.kind(rt), TyKind::Ptr(_)) {
            let note = direct.iter().find_map(|l| self.notes.get(l).cloned());
            let msg = match note {
                Some(n) => format!("this returns a pointer to an object that stores a view of the current frame; {}", n),
                None => "this returns a pointer to an object that stores a view of the current frame".to_string(),
            };
            self.error(e.span, msg);
        } else {
            self.error(e.span, format!("{}: memory this value points to holds it and may outlive this frame; put the backing on the heap", what));
        }
    }

    /// For a returned call whose result reaches the frame locations
    /// `frame`: the argument that reaches them too ("argument N"), the one
    /// the view came through.
    fn blamed_arg(&self, call: &Expr, frame: &Locs) -> Option<String> {
        let args = self.call_args.get(&key(call))?;
        args.iter().find(|(_, reach)| reach.iter().any(|l| frame.contains(l))).map(|(label, _)| label.clone())
    }

    // ----- places -------------------------------------------------------

    /// `place = v`.
    fn assign(&mut self, st: &mut State, place: &'a Expr<'a>, value: &'a Expr<'a>, v: AVal, span: Span) {
        let p = place.unparen();
        match &p.kind {
            ExprKind::Name(_) => {
                if let Some(NameRes::Local(l)) = self.c.info.names.get(&key(p)) {
                    let t = self.local_ty(l.0);
                    st.locals[l.0 as usize] = self.fit(t, v);
                    self.bind_callee(st, l.0, Some(value));
                }
            }
            _ => {
                let target = self.place_path(st, p);
                match target {
                    Some((Root::Local(l), path)) => {
                        let t = self.local_ty(l);
                        let cur = st.locals[l as usize].clone();
                        let cur = self.fit(t, cur);
                        st.locals[l as usize] = update(&cur, &path, &v);
                        if self.method && l == 0 {
                            self.receiver_store(st, &v, span);
                        }
                    }
                    Some((Root::Mem(locs), _)) => {
                        let flat = v.flat();
                        for l in locs {
                            self.store(st, l, &flat, span, &Sink::Assign);
                        }
                    }
                    None => {}
                }
            }
        }
    }

    /// Records whether local `l`, just bound to `value` (None: a
    /// destructure, a match or loop binder), names a callee the walk
    /// resolves: a lambda literal, a function written by name, or a copy of
    /// such a local. A call through any other (a closure value a call
    /// returned, one read from memory) is opaque (spec: a callee the summary
    /// cannot see through defaults to rejecting a polluted argument).
    fn bind_callee(&self, st: &mut State, l: u32, value: Option<&Expr>) {
        let resolved = match value.map(|v| &v.unparen().kind) {
            Some(ExprKind::Name(_)) => match self.c.info.names.get(&key(value.unwrap().unparen())) {
                Some(NameRes::Local(src)) => !st.unresolved.contains(&src.0),
                _ => true,
            },
            Some(ExprKind::Lambda(_)) => true,
            // Other values of non-function type resolve nothing to call.
            Some(_) => !matches!(self.kind(self.local_ty(l)), TyKind::Func(..)),
            None => false,
        };
        if resolved {
            st.unresolved.remove(&l);
        } else {
            st.unresolved.insert(l);
        }
    }

    /// Where a place is: a path of components inside a local, or memory
    /// reached through a pointer or a slice.
    fn place_path(&mut self, st: &mut State, p: &'a Expr<'a>) -> Option<(Root, Vec<Step>)> {
        let p = p.unparen();
        match &p.kind {
            ExprKind::Name(_) => match self.c.info.names.get(&key(p)) {
                // A lambda's capture lives in its environment.
                Some(NameRes::Local(l)) if self.is_capture(l.0) => Some((Root::Mem([Loc::Arg(0)].into_iter().collect()), Vec::new())),
                Some(NameRes::Local(l)) => Some((Root::Local(l.0), Vec::new())),
                _ => None,
            },
            ExprKind::Field { base, name } => {
                let Some((i, _)) = self.field(self.ty(base), name.name) else {
                    self.ev(st, base);
                    return None;
                };
                let (root, mut path) = self.place_path(st, base)?;
                path.push(Step::Part(i, false));
                Some((root, path))
            }
            ExprKind::Index { base, index } => {
                self.ev(st, index);
                match self.kind(self.ty(base)) {
                    TyKind::Array(..) => {
                        let (root, mut path) = self.place_path(st, base)?;
                        path.push(Step::Part(0, true));
                        Some((root, path))
                    }
                    TyKind::Slice(_) | TyKind::Ptr(_) | TyKind::RawPtr(_) => {
                        let v = self.ev(st, base);
                        Some((Root::Mem(v.flat()), Vec::new()))
                    }
                    _ => {
                        self.ev(st, base);
                        None
                    }
                }
            }
            ExprKind::Unary { op: UnOp::Deref, operand } => {
                let v = self.ev(st, operand);
                Some((Root::Mem(v.flat()), Vec::new()))
            }
            _ => {
                let v = self.ev(st, p);
                let k = Loc::Temp(key(p));
                st.mem.entry(k).or_default().extend(v.flat());
                Some((Root::Mem([k].into_iter().collect()), Vec::new()))
            }
        }
    }

    /// The memory an array-typed expression lives in (what slicing it views).
    /// A view of an empty array reads nothing, so it views nothing.
    fn storage(&mut self, st: &mut State, e: &'a Expr<'a>) -> Locs {
        if let TyKind::Array(_, 0) = self.kind(self.ty(e)) {
            self.ev(st, e);
            return Locs::new();
        }
        match self.place_path(st, e) {
            Some((Root::Local(l), _)) => [Loc::Local(l)].into_iter().collect(),
            Some((Root::Mem(locs), _)) => locs,
            None => Locs::new(),
        }
    }

    // ----- expressions --------------------------------------------------

    /// `e` evaluated where a value of type `target` is expected: an array
    /// meeting a slice becomes a view of the array's storage, also as a
    /// member of a tuple or an element of an array (`(int64[3], int64)`
    /// where `(int64[], int64)` is expected views the tuple's storage).
    fn ev_to(&mut self, st: &mut State, e: &'a Expr<'a>, target: TyId) -> AVal {
        let et = self.ty(e);
        match (self.kind(et), self.kind(target)) {
            (TyKind::Array(..), TyKind::Slice(_)) => AVal::Leaf(self.storage(st, e)),
            (TyKind::Tuple(_), TyKind::Tuple(_)) | (TyKind::Array(..), TyKind::Array(..)) if et != target => {
                let (storage, v) = self.ev_stored(st, e);
                self.view_as(et, target, v, &storage)
            }
            _ => self.ev(st, e),
        }
    }

    /// `e`'s value and the memory it lives in (a temporary of this frame
    /// for a value that is not a place).
    fn ev_stored(&mut self, st: &mut State, e: &'a Expr<'a>) -> (Locs, AVal) {
        let et = self.ty(e);
        match self.place_path(st, e) {
            Some((Root::Local(l), path)) => {
                let t = self.local_ty(l);
                let whole = self.fit(t, st.locals[l as usize].clone());
                ([Loc::Local(l)].into_iter().collect(), at_path(&whole, &path))
            }
            Some((Root::Mem(locs), _)) => {
                let c = self.contents_of(st, &locs);
                (locs, self.shape(et, &c))
            }
            None => (Locs::new(), self.shape(et, &Locs::new())),
        }
    }

    /// `v`, a value of type `have` living in `storage`, as a value of type
    /// `want`: each array member viewed as a slice views `storage`.
    fn view_as(&self, have: TyId, want: TyId, v: AVal, storage: &Locs) -> AVal {
        match (self.kind(have), self.kind(want)) {
            (TyKind::Array(_, 0), TyKind::Slice(_)) => AVal::empty(),
            (TyKind::Array(..), TyKind::Slice(_)) => AVal::Leaf(storage.clone()),
            (TyKind::Tuple(hs), TyKind::Tuple(ws)) if hs.len() == ws.len() => {
                AVal::Agg(hs.iter().zip(ws).enumerate().map(|(i, (h, w))| self.view_as(*h, *w, v.part(i), storage)).collect())
            }
            (TyKind::Array(h, _), TyKind::Array(w, _)) => AVal::Agg(vec![self.view_as(*h, *w, v.part(0), storage)]),
            _ => self.fit(want, v),
        }
    }

    fn ev(&mut self, st: &mut State, e: &'a Expr<'a>) -> AVal {
        let t = self.ty(e);
        match &e.kind {
            ExprKind::Paren(inner) => self.ev(st, inner),
            ExprKind::Name(_) => match self.c.info.names.get(&key(e)) {
                Some(NameRes::Local(l)) => st.locals.get(l.0 as usize).cloned().unwrap_or_else(AVal::empty),
                Some(NameRes::Func(f)) => AVal::Leaf([Loc::Code(Code::Func(*f))].into_iter().collect()),
                None => AVal::empty(),
            },
            ExprKind::Unary { op: UnOp::Deref, operand } => {
                let p = self.ev(st, operand);
                let c = self.contents_of(st, &p.flat());
                self.shape(t, &c)
            }
            ExprKind::Unary { operand, .. } => {
                self.ev(st, operand);
                AVal::empty()
            }
            ExprKind::Binary { lhs, rhs, .. } => {
                self.ev(st, lhs);
                self.ev(st, rhs);
                AVal::empty()
            }
            ExprKind::Range { lo, hi, .. } => {
                self.ev(st, lo);
                self.ev(st, hi);
                AVal::empty()
            }
            ExprKind::FStr(parts) => {
                for p in parts.iter() {
                    if let FStrPart::Hole(h) = p {
                        self.ev(st, h);
                    }
                }
                AVal::empty()
            }
            ExprKind::Index { base, index } => self.index(st, e, base, index),
            ExprKind::Field { base, name } => {
                if self.c.info.variant_values.contains_key(&key(e)) {
                    return AVal::empty();
                }
                let v = self.ev(st, base);
                match self.field(self.ty(base), name.name) {
                    Some((i, ft)) => self.fit(ft, v.part(i)),
                    None => self.shape(t, &Locs::new()),
                }
            }
            ExprKind::StructLit { fields, .. } => {
                if !matches!(self.kind(t), TyKind::Struct(..)) {
                    for f in fields.iter() {
                        self.ev(st, f.value);
                    }
                    return AVal::empty();
                }
                let mut parts: Vec<AVal> = self.c.types.struct_fields(t).iter().map(|(_, ft)| self.shape(*ft, &Locs::new())).collect();
                for f in fields.iter() {
                    match self.field(t, f.name.name) {
                        Some((i, ft)) => {
                            let v = self.ev_to(st, f.value, ft);
                            parts[i] = self.fit(ft, v);
                        }
                        None => {
                            self.ev(st, f.value);
                        }
                    }
                }
                AVal::Agg(parts)
            }
            ExprKind::Array(elems) => {
                let el = match self.kind(t) {
                    TyKind::Array(el, _) => *el,
                    _ => prim::ERR,
                };
                let mut acc = self.shape(el, &Locs::new());
                for x in elems.iter() {
                    let v = self.ev_to(st, x, el);
                    acc = acc.join(&self.fit(el, v));
                }
                AVal::Agg(vec![acc])
            }
            ExprKind::Tuple(xs) => {
                let members = match self.kind(t) {
                    TyKind::Tuple(ts) if ts.len() == xs.len() => ts.clone(),
                    _ => vec![prim::ERR; xs.len()],
                };
                let mut parts = Vec::new();
                for (x, mt) in xs.iter().zip(members) {
                    let v = self.ev_to(st, x, mt);
                    parts.push(self.fit(mt, v));
                }
                AVal::Agg(parts)
            }
            ExprKind::Call { callee, args } => self.call(st, e, callee, args),
            ExprKind::Match(m) => self.match_walk(st, m, true),
            // A `do` block is the calls the checker desugared it to.
            ExprKind::Do(_) => match self.c.dos.get(&key(e)) {
                Some(&de) => self.ev(st, de),
                None => self.shape(t, &Locs::new()),
            },
            ExprKind::Lambda(l) if self.c.info.minted.contains(&key(e)) => self.mint_closure(st, l),
            ExprKind::Lambda(l) => self.closure(st, l),
            ExprKind::Collector { value, .. } => self.mint(st, e, value),
            _ => self.shape(t, &Locs::new()),
        }
    }

    /// A lambda expression: its code, and for a capturing one the
    /// environment slot of this frame, which holds copies of the captures.
    fn closure(&mut self, st: &mut State, l: &'a Lambda<'a>) -> AVal {
        let Some(&i) = self.c.info.lambdas.get(&key(l)) else { return AVal::empty() };
        let Some(lam) = self.c.funcs[self.func as usize].lambdas.get(i) else { return AVal::empty() };
        let mut locs: Locs = [Loc::Code(Code::Lambda(self.func, i as u32))].into_iter().collect();
        if !lam.captures.is_empty() {
            let k = key(l);
            let mut held = Locs::new();
            for (j, cap) in lam.captures.iter().enumerate() {
                let v = st.locals.get(cap.0 as usize).map_or_else(Locs::new, |v| v.flat());
                held.extend(v.iter().copied());
                st.mem.entry(Loc::Capture(k, j as u32)).or_default().extend(v);
            }
            st.mem.entry(Loc::Env(k)).or_default().extend(held);
            locs.insert(Loc::Env(k));
        }
        AVal::Leaf(locs)
    }

    fn index(&mut self, st: &mut State, e: &'a Expr<'a>, base: &'a Expr<'a>, index: &'a Expr<'a>) -> AVal {
        let t = self.ty(e);
        let bt = self.ty(base);
        if let ExprKind::Range { lo, hi, .. } = &index.unparen().kind {
            self.ev(st, lo);
            self.ev(st, hi);
            return match self.kind(bt) {
                TyKind::Array(..) => AVal::Leaf(self.storage(st, base)),
                TyKind::Slice(_) => AVal::Leaf(self.ev(st, base).flat()),
                _ => {
                    self.ev(st, base);
                    AVal::empty()
                }
            };
        }
        self.ev(st, index);
        match self.kind(bt) {
            TyKind::Array(el, _) => {
                let el = *el;
                let v = self.ev(st, base);
                self.fit(el, v.part(0))
            }
            TyKind::Slice(_) | TyKind::Ptr(_) | TyKind::RawPtr(_) => {
                let v = self.ev(st, base);
                let c = self.contents_of(st, &v.flat());
                self.shape(t, &c)
            }
            _ => {
                self.ev(st, base);
                self.shape(t, &Locs::new())
            }
        }
    }

    fn call(&mut self, st: &mut State, e: &'a Expr<'a>, callee: &'a Expr<'a>, args: &'a [Expr<'a>]) -> AVal {
        let t = self.ty(e);
        let res = self.c.info.calls.get(&key(e)).cloned();
        match res {
            Some(CallRes::Func(f)) => {
                let params = self.c.funcs[f as usize].params.clone();
                let (vals, direct) = self.args(st, args, &params);
                if self.is_channel_send(f) {
                    return self.channel_send(st, e, f, args, &vals);
                }
                let notes = self.arg_notes(args);
                self.apply(st, e, Code::Func(f), vals, direct, notes, None)
            }
            Some(CallRes::Launch(kind)) => self.launch(st, e, kind.name(), args),
            Some(CallRes::Variant(v)) => {
                // An enum value is one component: its payload, whatever the variant.
                let fields = self.c.types.variant_fields(t, v);
                let mut locs = Locs::new();
                for (i, a) in args.iter().enumerate() {
                    let v = match fields.get(i) {
                        Some(&ft) => self.ev_to(st, a, ft),
                        None => self.ev(st, a),
                    };
                    v.flat_into(&mut locs);
                }
                self.shape(t, &locs)
            }
            Some(CallRes::Method(f)) => {
                let ExprKind::Field { base, .. } = &callee.unparen().kind else {
                    return self.opaque_args(st, e, args);
                };
                // The receiver is the caller's storage, through a pointer
                // when the base is one.
                let bv = self.ev(st, base);
                let (recv_val, recv_place) = if matches!(self.kind(self.ty(base)), TyKind::Ptr(_)) {
                    let locs = bv.flat();
                    (self.contents_of(st, &locs), locs)
                } else {
                    (bv.flat(), self.storage(st, base))
                };
                let params = self.c.funcs[f as usize].params.clone();
                let (mut vals, mut direct) = self.args(st, args, &params);
                vals.insert(0, recv_val);
                direct.insert(0, self.is_param_name(base));
                let mut notes = self.arg_notes(args);
                notes.insert(0, self.arg_note(base));
                self.apply(st, e, Code::Func(f), vals, direct, notes, Some(recv_place))
            }
            Some(CallRes::Closure) => {
                let params = match self.kind(self.ty(callee)) {
                    TyKind::Func(ps, _) => ps.clone(),
                    _ => Vec::new(),
                };
                let fv = self.ev(st, callee);
                let (vals, direct) = self.args(st, args, &params);
                // A closure held in a struct field is opaque: which lambda
                // the field holds is the struct's business (spec: "a lambda
                // bound to a struct field" is a callee the summary cannot
                // see through).
                let in_field = matches!(callee.unparen().kind, ExprKind::Field { .. });
                let unresolved = match self.c.info.names.get(&key(callee.unparen())) {
                    Some(NameRes::Local(l)) => st.unresolved.contains(&l.0),
                    _ => false,
                };
                let notes = self.arg_notes(args);
                self.call_value(st, e, &fv, vals, direct, notes, in_field || unresolved)
            }
            Some(CallRes::Functional(k)) => self.functional(st, e, k, args),
            Some(CallRes::ErrorCheck) => {
                // `err.check(f)` calls f(err); an error views nothing.
                if let ExprKind::Field { base, .. } = &callee.unparen().kind {
                    self.ev(st, base);
                }
                if let [f] = args {
                    let fv = self.ev(st, f);
                    self.call_value(st, e, &fv, vec![Locs::new()], vec![false], vec![ArgNote { name: None, managed: false }], false);
                }
                AVal::empty()
            }
            _ => {
                let builtin = match &callee.unparen().kind {
                    ExprKind::Name(id) if !self.c.info.names.contains_key(&key(callee.unparen())) => id.name,
                    _ => "",
                };
                match (builtin, args) {
                    // `alloc(v)` copies v into a new heap object.
                    ("alloc", [init]) => {
                        let elem = match self.kind(t) {
                            TyKind::Ptr(el) => *el,
                            _ => prim::ERR,
                        };
                        let v = self.ev_to(st, init, elem);
                        let obj = Loc::Obj(key(e));
                        st.mem.entry(obj).or_default().extend(v.flat());
                        self.shape(t, &[obj].into_iter().collect())
                    }
                    // `move(p)` is p.
                    ("move", [p]) => self.ev(st, p),
                    // Other builtins and runtime services hand back fresh or
                    // scalar values and keep nothing of their arguments.
                    _ => self.opaque_args(st, e, args),
                }
            }
        }
    }

    /// The arguments of a call against its parameter types: what each
    /// points into, and whether it is written as a parameter's name.
    fn args(&mut self, st: &mut State, args: &'a [Expr<'a>], params: &[TyId]) -> (Vec<Locs>, Vec<bool>) {
        let mut vals = Vec::new();
        let mut direct = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let v = match params.get(i) {
                Some(&pt) => self.ev_to(st, a, pt),
                None => self.ev(st, a),
            };
            vals.push(v.flat());
            direct.push(self.is_param_name(a));
        }
        (vals, direct)
    }

    /// Evaluates the arguments of a call that keeps none of them; its result
    /// is a fresh object.
    fn opaque_args(&mut self, st: &mut State, e: &'a Expr<'a>, args: &'a [Expr<'a>]) -> AVal {
        for a in args {
            self.ev(st, a);
        }
        let t = self.ty(e);
        self.shape(t, &[Loc::Obj(key(e))].into_iter().collect())
    }

    /// A call through the function value `fv` with arguments `vals` (the
    /// closure's environment not among them). When every function the
    /// value may hold is known (a top-level function, a lambda of this
    /// program) the call goes through their summaries; otherwise (`opaque`,
    /// or a value from a parameter or from memory) it is an opaque call.
    fn call_value(&mut self, st: &mut State, e: &'a Expr<'a>, fv: &AVal, vals: Vec<Locs>, direct: Vec<bool>, notes: Vec<ArgNote>, opaque: bool) -> AVal {
        let locs = fv.flat();
        let targets: Vec<Code> = locs
            .iter()
            .filter_map(|l| match l {
                Loc::Code(c) => Some(*c),
                _ => None,
            })
            .collect();
        let unknown = locs.iter().any(|l| !matches!(l, Loc::Code(_) | Loc::Env(_)));
        if opaque || unknown || targets.is_empty() {
            return self.opaque_call(st, e, vals, &notes);
        }
        let env: Locs = locs.iter().copied().filter(|l| matches!(l, Loc::Env(_))).collect();
        let mut out: Option<AVal> = None;
        for c in targets {
            let (v, d, ns) = match c {
                Code::Lambda(f, i) => {
                    // The environment, what each capture points into, the arguments.
                    let n = self.ncaptures(f, i);
                    let site = self.c.funcs[f as usize].lambdas.get(i as usize).map(|l| key(l.lambda));
                    let mut v = vec![env.clone()];
                    for j in 0..n {
                        let mut cap = Locs::new();
                        for l in &env {
                            match *l {
                                Loc::Env(k) if Some(k) == site => cap.extend(self.contents(st, Loc::Capture(k, j as u32))),
                                other => cap.extend(self.contents(st, other)),
                            }
                        }
                        v.push(cap);
                    }
                    v.extend(vals.iter().cloned());
                    let d = std::iter::repeat(false).take(n + 1).chain(direct.iter().copied()).collect();
                    // The environment, then each capture by its name.
                    let mut ns = vec![ArgNote { name: None, managed: false }];
                    if let Some(lam) = self.c.funcs[f as usize].lambdas.get(i as usize) {
                        for cap in &lam.captures {
                            let local = self.c.funcs[f as usize].locals.get(cap.0 as usize);
                            ns.push(ArgNote { name: local.map(|x| x.name.clone()), managed: local.map_or(false, |x| self.has_managed(x.ty, 0)) });
                        }
                    }
                    ns.extend(notes.iter().cloned());
                    (v, d, ns)
                }
                Code::Func(_) => (vals.clone(), direct.clone(), notes.clone()),
            };
            let r = self.apply(st, e, c, v, d, ns, None);
            out = Some(match out {
                Some(o) => o.join(&r),
                None => r,
            });
        }
        out.unwrap_or_else(AVal::empty)
    }

    /// A call whose callee is unknown: it may keep any argument anywhere,
    /// so an argument that reaches the frame is rejected (spec: an opaque
    /// call defaults to rejecting a polluted argument), and the result may
    /// point wherever the arguments do, or at a fresh object.
    fn opaque_call(&mut self, st: &mut State, e: &'a Expr<'a>, vals: Vec<Locs>, notes: &[ArgNote]) -> AVal {
        let mut result: Locs = [Loc::Obj(key(e))].into_iter().collect();
        let mut labels = Vec::new();
        for (i, v) in vals.iter().enumerate() {
            let reach = self.reach(st, v);
            let note = notes.get(i).cloned().unwrap_or(ArgNote { name: None, managed: false });
            // A pointer the callee may hand to a channel or a thread: the
            // parameters it reaches sink (spec: calling an opaque function
            // value may hand the argument to a channel).
            let sends = note.managed && !v.iter().any(|l| l.is_frame());
            if sends {
                self.sunk.extend(reach.iter().filter_map(|l| l.param()));
            }
            if reach.iter().any(|l| l.is_frame()) {
                let msg = if v.iter().any(|l| matches!(l, Loc::Env(_))) {
                    "this call may store a closure that captures the current frame beyond it; put the captured backing on the heap".to_string()
                } else if sends {
                    format!("this call may send {} across a channel, and the object it points to holds a view of the current frame; put the backing on the heap", self.note_name(&note, i))
                } else {
                    "this call may store a view of the current frame beyond it; put the backing on the heap".to_string()
                };
                self.error(e.span, msg);
            }
            result.extend(reach.iter().copied());
            labels.push((format!("argument {}", i + 1), reach));
        }
        self.call_args.insert(key(e), labels);
        let t = self.ty(e);
        self.shape(t, &result)
    }

    /// `map`, `filter`, `fold`, `reduce`, `foreach`: the function argument
    /// is called on the elements (and the accumulator); map and filter
    /// collect into a fresh heap slice.
    fn functional(&mut self, st: &mut State, e: &'a Expr<'a>, k: Functional, args: &'a [Expr<'a>]) -> AVal {
        let t = self.ty(e);
        let (Some(xs), Some(f)) = (args.first(), args.last()) else { return AVal::empty() };
        let xv = self.ev(st, xs);
        let elems = match self.kind(self.ty(xs)) {
            TyKind::Array(..) => xv.part(0).flat(),
            _ => self.contents_of(st, &xv.flat()),
        };
        let init = match (k, args) {
            // The accumulator has the result's type.
            (Functional::Fold, [_, init, _]) => {
                let v = self.ev_to(st, init, t).flat();
                let reach = self.reach(st, &v);
                Some((v, reach))
            }
            _ => None,
        };
        let fv = self.ev(st, f);
        let notes = self.param_notes(self.ty(f));
        let note1 = vec![notes.first().cloned().unwrap_or(ArgNote { name: None, managed: true })];
        let obj = Loc::Obj(key(e));
        let result = match k {
            Functional::Map => {
                let r = self.call_value(st, e, &fv, vec![elems], vec![false], note1.clone(), false);
                st.mem.entry(obj).or_default().extend(r.flat());
                [obj].into_iter().collect()
            }
            Functional::Filter => {
                self.call_value(st, e, &fv, vec![elems.clone()], vec![false], note1.clone(), false);
                st.mem.entry(obj).or_default().extend(elems);
                [obj].into_iter().collect()
            }
            Functional::Foreach => {
                self.call_value(st, e, &fv, vec![elems], vec![false], note1.clone(), false);
                Locs::new()
            }
            Functional::Fold | Functional::Reduce => {
                // The accumulator starts as the initial value (the first
                // element for reduce) and takes each result in turn.
                let mut acc = match &init {
                    Some((v, _)) => v.clone(),
                    None => elems.clone(),
                };
                loop {
                    let r = self.call_value(st, e, &fv, vec![acc.clone(), elems.clone()], vec![false, false], notes.clone(), false);
                    let mut next = acc.clone();
                    r.flat_into(&mut next);
                    if next == acc {
                        break;
                    }
                    acc = next;
                }
                acc
            }
        };
        // Name the builtin's own arguments for a returned view.
        let mut labels = vec![("argument 1".to_string(), self.reach(st, &xv.flat()))];
        if let Some((_, reach)) = init {
            labels.push(("argument 2".to_string(), reach));
        }
        self.call_args.insert(key(e), labels);
        self.shape(t, &result)
    }

    /// A call of `code` through its summary. `vals[i]`: what argument i (the
    /// receiver first for a method, the environment first for a lambda)
    /// points into; `recv_place`: the storage of a method's receiver.
    fn apply(&mut self, st: &mut State, e: &'a Expr<'a>, code: Code, vals: Vec<Locs>, direct: Vec<bool>, notes: Vec<ArgNote>, recv_place: Option<Locs>) -> AVal {
        let k = key(e);
        let sum = self.sums.get(code).clone();
        let deeps: Vec<Locs> = vals.iter().map(|v| self.reach1(st, v)).collect();
        let subst = |s: &Locs| -> Locs {
            let mut out = Locs::new();
            for l in s {
                match *l {
                    Loc::Arg(i) => out.extend(vals.get(i as usize).into_iter().flatten().copied()),
                    Loc::Deep(i) => out.extend(deeps.get(i as usize).into_iter().flatten().copied()),
                    Loc::Obj(_) => {
                        out.insert(Loc::Obj(k));
                    }
                    Loc::Code(c) => {
                        out.insert(Loc::Code(c));
                    }
                    Loc::Collected => {
                        out.insert(Loc::Collected);
                    }
                    _ => {}
                }
            }
            out
        };
        let ret = sum.ret.map(&mut |s| subst(s));
        let fresh = subst(&sum.fresh);
        if !fresh.is_empty() {
            st.mem.entry(Loc::Obj(k)).or_default().extend(fresh);
        }
        for (target, contents) in &sum.stores {
            if *target == Loc::Collected {
                // What the callee collects, one argument at a time (for the message).
                for c in contents {
                    let cs = subst(&[*c].into_iter().collect());
                    self.collect_through_call(st, e, code, c.param().unwrap_or(0) as usize, &cs);
                }
                continue;
            }
            let Some(j) = target.param() else { continue };
            let targets = subst(&[*target].into_iter().collect());
            let cs = subst(contents);
            let sink = Sink::Call { span: e.span, callee: code, arg: j as usize, direct: direct.get(j as usize).copied().unwrap_or(false) };
            for l in targets {
                self.store(st, l, &cs, e.span, &sink);
            }
        }
        if let Some(place) = recv_place {
            let cs = subst(&sum.recv);
            let sink = Sink::Call { span: e.span, callee: code, arg: 0, direct: direct.first().copied().unwrap_or(false) };
            for l in place {
                self.store(st, l, &cs, e.span, &sink);
            }
        }
        // A parameter the callee hands to another thread: what the argument
        // reaches goes there, and must not view this frame.
        for &i in &sum.sinks {
            let Some(v) = vals.get(i as usize) else { continue };
            if self.handed_over(st, v) {
                let what = match notes.get(i as usize).and_then(|n| n.name.clone()) {
                    Some(n) => format!("'{}'", n),
                    None => self.arg_label(code, i as usize),
                };
                let who = match callee_name(e) {
                    Some(n) => format!("'{}'", n),
                    None => "this call".to_string(),
                };
                self.error(e.span, format!("{} sends {} across a channel, and the object it points to holds a view of the current frame; put the backing on the heap", who, what));
            }
        }
        let labels: Vec<(String, Locs)> = vals.iter().zip(&deeps).enumerate().map(|(i, (v, d))| (self.arg_label(code, i), v.union(d).copied().collect())).collect();
        self.call_args.insert(k, labels);
        let t = self.ty(e);
        self.fit(t, ret)
    }
}

impl<'c, 'a> Fx<'c, 'a> {
    // ----- values handed to another thread --------------------------------

    /// Whether a value of type `t` can hold a managed pointer (what a
    /// receiving thread could read a frame view through).
    fn has_managed(&self, t: TyId, depth: u32) -> bool {
        if depth > 16 {
            return true;
        }
        match self.kind(t) {
            TyKind::Ptr(_) | TyKind::Param(..) => true,
            TyKind::Array(e, _) => self.has_managed(*e, depth + 1),
            TyKind::Tuple(ts) => ts.iter().any(|t| self.has_managed(*t, depth + 1)),
            TyKind::Struct(..) => self.c.types.struct_fields(t).iter().any(|(_, t)| self.has_managed(*t, depth + 1)),
            TyKind::Enum(..) => {
                let n = self.c.types.enum_def(t).map_or(0, |d| d.variants.len());
                (0..n as u32).any(|v| self.c.types.variant_fields(t, v).into_iter().any(|f| self.has_managed(f, depth + 1)))
            }
            _ => false,
        }
    }

    /// The local an argument names (through parens and `move`), for a
    /// diagnostic, and whether its type can hold a managed pointer.
    fn arg_note(&self, a: &Expr) -> ArgNote {
        let mut x = a.unparen();
        if let ExprKind::Call { callee, args: [inner] } = &x.kind {
            if matches!(&callee.unparen().kind, ExprKind::Name(id) if id.name == "move") {
                x = inner.unparen();
            }
        }
        let name = match &x.kind {
            ExprKind::Name(id) => Some(id.name.to_string()),
            _ => None,
        };
        ArgNote { name, managed: self.has_managed(self.ty(a), 0) }
    }

    fn arg_notes(&self, args: &[Expr]) -> Vec<ArgNote> {
        args.iter().map(|a| self.arg_note(a)).collect()
    }

    /// Unnamed notes for the parameters of the function type `t`.
    fn param_notes(&self, t: TyId) -> Vec<ArgNote> {
        match self.kind(t) {
            TyKind::Func(ps, _) => ps.iter().map(|p| ArgNote { name: None, managed: self.has_managed(*p, 0) }).collect(),
            _ => Vec::new(),
        }
    }

    /// "'c'", or "argument N" for an argument that is not a name.
    fn note_name(&self, n: &ArgNote, i: usize) -> String {
        match &n.name {
            Some(s) => format!("'{}'", s),
            None => format!("argument {}", i + 1),
        }
    }

    /// A value handed to another thread: records the unit's parameters it
    /// reaches as sinks; true when it reaches this frame (the receiving
    /// thread could read the frame after it is gone).
    fn handed_over(&mut self, st: &State, v: &Locs) -> bool {
        let reach = self.reach(st, v);
        self.sunk.extend(reach.iter().filter_map(|l| l.param()));
        reach.iter().any(|l| l.is_frame())
    }

    /// `chan_send` and `chan_try_send` of std.concurrent.channel: the leaf
    /// sends.
    fn is_channel_send(&self, f: u32) -> bool {
        let d = &self.c.funcs[f as usize];
        matches!(d.item.name.name, "chan_send" | "chan_try_send") && self.c.library.contains(&d.file) && self.c.sm.path(d.file).ends_with("channel.dusk")
    }

    /// `chan_send(ch, x)`: x crosses to the receiving thread. The ring keeps
    /// nothing this frame or the caller reads back, so no store is modelled.
    fn channel_send(&mut self, st: &mut State, e: &'a Expr<'a>, f: u32, args: &'a [Expr<'a>], vals: &[Locs]) -> AVal {
        if let (Some(v), Some(a)) = (vals.get(1), args.get(1)) {
            if self.handed_over(st, v) {
                let n = self.arg_note(a);
                let what = self.note_name(&n, 1);
                let name = self.c.funcs[f as usize].item.name.name;
                self.error(e.span, format!("{} cannot send {}: the object it points to holds a view of the current frame, which the receiving thread would read after the frame is gone; put the backing on the heap", name, what));
            }
        }
        let t = self.ty(e);
        self.shape(t, &Locs::new())
    }

    /// `spawn(lambda () -> void { ... })` (or `submit`): the captures cross
    /// to the new thread, and must not reach this frame through memory.
    fn launch(&mut self, st: &mut State, e: &'a Expr<'a>, what: &str, args: &'a [Expr<'a>]) -> AVal {
        let t = self.ty(e);
        let [a] = args else { return self.opaque_args(st, e, args) };
        let ExprKind::Lambda(l) = &a.unparen().kind else { return self.opaque_args(st, e, args) };
        self.closure(st, l);
        let Some(&i) = self.c.info.lambdas.get(&key(*l)) else { return self.shape(t, &Locs::new()) };
        let d = &self.c.funcs[self.func as usize];
        let caps: Vec<(u32, String)> = d.lambdas.get(i).map_or_else(Vec::new, |lam| lam.captures.iter().map(|c| (c.0, d.locals.get(c.0 as usize).map_or_else(String::new, |x| x.name.clone()))).collect());
        for (cap, name) in caps {
            let v = st.locals.get(cap as usize).map_or_else(Locs::new, |v| v.flat());
            if self.handed_over(st, &v) {
                self.error(a.span, format!("{} cannot capture '{}': the object it points to holds a view of the spawning frame, which the thread could read after the frame is gone; put the backing on the heap", what, name));
            }
        }
        self.shape(t, &Locs::new())
    }
}

/// The name a call is written through: the function or local it names,
/// the method or field it selects.
fn callee_name<'x>(e: &'x Expr<'x>) -> Option<&'x str> {
    let ExprKind::Call { callee, .. } = &e.unparen().kind else { return None };
    match &callee.unparen().kind {
        ExprKind::Name(id) => Some(id.name),
        ExprKind::Field { name, .. } => Some(name.name),
        _ => None,
    }
}

/// Where a place lives.
enum Root {
    Local(u32),
    Mem(Locs),
}

/// One step into a value: component i; `weak` for an array element (the
/// store hits one element of many, so it joins instead of replacing).
#[derive(Clone, Copy)]
enum Step {
    Part(usize, bool),
}

/// `cur` with the component at `path` replaced by (or, under an array
/// element, joined with) `v`.
fn update(cur: &AVal, path: &[Step], v: &AVal) -> AVal {
    update_at(cur, path, v, false)
}

fn update_at(cur: &AVal, path: &[Step], v: &AVal, weak: bool) -> AVal {
    match path.split_first() {
        None => {
            if weak {
                cur.join(v)
            } else {
                v.clone()
            }
        }
        Some((Step::Part(i, w), rest)) => match cur {
            AVal::Agg(parts) if *i < parts.len() => {
                let mut parts = parts.clone();
                parts[*i] = update_at(&parts[*i], rest, v, weak || *w);
                AVal::Agg(parts)
            }
            other => other.join(&AVal::Leaf(v.flat())),
        },
    }
}

/// The component of `v` at `path`.
fn at_path(v: &AVal, path: &[Step]) -> AVal {
    path.iter().fold(v.clone(), |v, Step::Part(i, _)| v.part(*i))
}

fn same_shape(a: &AVal, b: &AVal) -> bool {
    match (a, b) {
        (AVal::Leaf(_), AVal::Leaf(_)) => true,
        (AVal::Agg(x), AVal::Agg(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_shape(p, q)),
        _ => false,
    }
}
