import { Schema } from "effect"

/** The venues we record. A closed set: adding one touches `venues/` and this list. */
export const VenueId = Schema.Literal("polymarket", "kalshi")
export type VenueId = typeof VenueId.Type

export const ALL_VENUES: ReadonlyArray<VenueId> = VenueId.literals
