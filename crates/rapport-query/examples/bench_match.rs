//! Runs `crates/rapport/src/commands/bench_match.rs` (the body of `rapport bench match`)
//! without the binary: `cargo run --release -p rapport-query --example bench_match -- \
//! [POSTS] [NAIVE_POSTS] [MONITORS...]`, from the project root.

#[path = "../../rapport/src/commands/bench_match.rs"]
mod bench_match;

fn main() -> anyhow::Result<()> {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .map(|a| a.parse())
        .collect::<Result<_, _>>()?;
    let posts = args.first().copied().unwrap_or(2_000_000);
    let naive = args.get(1).copied().unwrap_or(2_000);
    let monitors = if args.len() > 2 {
        args[2..].to_vec()
    } else {
        vec![1_000, 10_000]
    };
    bench_match::run(&monitors, posts, naive)
}
