// The embed page sits in a frame as tall as its page (embed.js), so its window never scrolls
// and its scroll position says nothing of what the reader sees. The part of the frame on the
// reader's screen does: an IntersectionObserver reports it, across origins too.

/** Thresholds fine enough to follow a tall element as the reader scrolls past it. */
const STEPS = Array.from({ length: 101 }, (_, step) => step / 100);

/** How far down the screen's top edge cuts into an element, and when that changes. */
export class FramedView {
  /** Pixels of the element above the reader's screen, while it is on screen; else 0. */
  hiddenAbove = 0;
  /** The frame's y where the reader's screen begins, while the element is on it. */
  visibleTop = 0;

  constructor(element, onChange) {
    new IntersectionObserver(
      ([seen]) => {
        // Off screen entirely, nothing the page does moves what the reader sees: the page
        // embedding the frame keeps its own scroll anchored.
        this.hiddenAbove = seen.isIntersecting
          ? seen.intersectionRect.top - seen.boundingClientRect.top
          : 0;
        this.visibleTop = seen.isIntersecting ? seen.intersectionRect.top : 0;
        onChange();
      },
      { threshold: STEPS },
    ).observe(element);
  }
}
