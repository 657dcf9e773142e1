import { Effect, Option, Stream } from "effect"

/** What one request of a cursor-paged listing yields. */
export interface CursorPage<A> {
  readonly page: A
  /** the cursor of the next page; "" on the last page */
  readonly next: string
  /** the page held no records */
  readonly empty: boolean
}

/**
 * A cursor-paged listing as a Stream of pages, fetched one at a time as they are pulled:
 * from the empty cursor until the venue returns no next cursor or an empty page. A cursor the
 * server already handed out ends the stream too, since following it would page forever.
 */
export const cursorPages = <A, E, R>(
  fetchPage: (cursor: string) => Effect.Effect<CursorPage<A>, E, R>
): Stream.Stream<A, E, R> =>
  Stream.suspend(() => {
    const seenCursors = new Set<string>()
    return Stream.paginateEffect("", (cursor: string) =>
      Effect.map(fetchPage(cursor), ({ empty, next, page }) => {
        const last = next === "" || empty || seenCursors.has(next)
        seenCursors.add(next)
        return [page, last ? Option.none<string>() : Option.some(next)] as const
      }))
  })
