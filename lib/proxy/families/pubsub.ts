// The 'pubsub' family: not implemented yet; its rows are refused with an error that says so.
import type { FamilyDispatch } from '../family';

export const dispatch: FamilyDispatch = (session, cmd) => {
  session.reject(`ERR '${cmd.row.name.replace('|', ' ').toUpperCase()}' is not supported by slotproxy yet`);
};
