// Structs by value and by pointer: a polygon of Points, Segments made of two Points, struct
// return values, member access through pointers and pointer arithmetic by struct size.
//
// proofgrid job program (corpus). Args: n, with n >= 1 (the polygon's vertex count, small).
// Output: [n, twice the signed area, sum of dot products of consecutive edges, sum of the
// coordinates of P_i + P_{i + 1 mod n}], all in the field (negative numbers wrap around), where the
// vertices are P_i = (i + 1, i * i - 5 * i + 2) for i in 0..n and edge E_i = P_{i + 1 mod n} - P_i;
// twice the area is the shoelace sum of x_i * y_{i+1} - x_{i+1} * y_i, the dots E_i . E_{i+1 mod n}.
// Like every job program it echoes its arguments first: that is how a proof binds its shard.
// Covers: structs in memory and on the stack, nested structs, tuples of structs as return values,
// subtraction (negative values as field elements), member reads [[fp - k] + offset].
%builtins output

from starkware.cairo.common.alloc import alloc
from starkware.cairo.common.serialize import serialize_word

// proofgrid reads this constant to check a shard's argument count before running it.
const N_ARGS = 1;

struct Point {
    x: felt,
    y: felt,
}

struct Segment {
    a: Point,
    b: Point,
}

func main{output_ptr: felt*}() {
    alloc_locals;
    local args: felt*;
    local n_args: felt;
    // The proofgrid args hint: the same two lines run under cairo-run --program_input.
    %{
        ids.args = segments.gen_arg(program_input['args'])
        ids.n_args = len(program_input['args'])
    %}
    assert n_args = N_ARGS;
    local n = args[0];

    let (points: Point*) = alloc();
    make_points(points, 0, n);
    // Close the polygon: one more point equal to the first.
    assert points[n] = points[0];
    let (segments: Segment*) = alloc();
    make_segments(segments, points, n);
    // Again closed: segment n is segment 0.
    assert segments[n] = segments[0];

    let area2 = shoelace(points, n, 0);
    local area2 = area2;
    let dots = edge_dots(segments, n, 0);
    local dots = dots;
    let (mx, my) = midpoint_sums(segments, n);

    serialize_word(n);
    serialize_word(area2);
    serialize_word(dots);
    serialize_word(mx + my);
    return ();
}

func make_points(points: Point*, i: felt, n: felt) {
    if (i == n) {
        return ();
    }
    assert points[i] = Point(x=i + 1, y=i * i - 5 * i + 2);
    return make_points(points, i + 1, n);
}

func make_segments(segments: Segment*, points: Point*, n: felt) {
    if (n == 0) {
        return ();
    }
    assert segments.a = points[0];
    assert segments.b = points[1];
    return make_segments(segments + Segment.SIZE, points + Point.SIZE, n - 1);
}

func cross(p: Point*, q: Point*) -> felt {
    return p.x * q.y - q.x * p.y;
}

func shoelace(points: Point*, n: felt, acc: felt) -> felt {
    if (n == 0) {
        return acc;
    }
    let c = cross(points, points + Point.SIZE);
    return shoelace(points + Point.SIZE, n - 1, acc + c);
}

func edge(s: Segment*) -> (v: Point) {
    return (v=Point(x=s.b.x - s.a.x, y=s.b.y - s.a.y));
}

func edge_dots(segments: Segment*, n: felt, acc: felt) -> felt {
    alloc_locals;
    if (n == 0) {
        return acc;
    }
    let (e) = edge(segments);
    local e: Point = e;
    let (f) = edge(segments + Segment.SIZE);
    return edge_dots(segments + Segment.SIZE, n - 1, acc + e.x * f.x + e.y * f.y);
}

// Sums of the coordinates of a + b over the n segments, as a pair.
func midpoint_sums(segments: Segment*, n: felt) -> (x: felt, y: felt) {
    if (n == 0) {
        return (x=0, y=0);
    }
    let (x, y) = midpoint_sums(segments + Segment.SIZE, n - 1);
    return (x=x + segments.a.x + segments.b.x, y=y + segments.a.y + segments.b.y);
}
