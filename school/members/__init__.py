"""The member registry: profiles, flow events, management notes and roster import."""
