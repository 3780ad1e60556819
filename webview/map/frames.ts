/**
 * When the map draws: at most once per animation frame, and whether the view is moving under the
 * user's hand (a pan or zoom step within the last 120 ms), so the renderer may move its last
 * picture; once the hand rests, one more frame is drawn with `moving` false.
 */
const SETTLE_MS = 120;

export function frameScheduler(draw: (moving: boolean) => void): { request(): void; moved(): void } {
  let frame = 0;
  let settle = 0;
  let motionAt = -Infinity;
  const request = (): void => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      const rest = SETTLE_MS - (performance.now() - motionAt);
      if (rest > 0) {
        clearTimeout(settle);
        settle = window.setTimeout(request, rest + 1);
      }
      draw(rest > 0);
    });
  };
  return {
    request,
    moved: () => {
      motionAt = performance.now();
      request();
    },
  };
}
