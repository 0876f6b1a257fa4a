//! The driver: runs the stages in order (front end, lowering, back end,
//! object, link) and the `run` verb. Placeholder until the front end lands.

use crate::{BuildArgs, CommonArgs, RunArgs};

pub fn check(_a: &CommonArgs) -> i32 {
    eprintln!("dc: the front end is not written yet");
    1
}

pub fn build(_a: &BuildArgs) -> i32 {
    eprintln!("dc: the front end is not written yet");
    1
}

pub fn run(_a: &RunArgs) -> i32 {
    eprintln!("dc: the front end is not written yet");
    1
}
