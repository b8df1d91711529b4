import 'reflect-metadata';
import { Aggregate, AggregateRoot, Apply, Decides, DomainError, EventType } from 'mneme';

@EventType('User.Registered')
export class UserRegistered {
  constructor(
    readonly userId: string,
    readonly username: string,
  ) {}
}
@EventType('Username.Claimed')
export class UsernameClaimed {
  constructor(
    readonly username: string,
    readonly userId: string,
  ) {}
}

@Aggregate({ category: 'User' })
export class User extends AggregateRoot {
  username: string | undefined;
  @Apply(UserRegistered) onRegistered(e: UserRegistered) {
    this.username = e.username;
  }
}

/** One per name: the name's owner, so that a name is taken once. */
@Aggregate({ category: 'Username' })
export class Username extends AggregateRoot {
  owner: string | undefined;
  @Apply(UsernameClaimed) onClaimed(e: UsernameClaimed) {
    this.owner = e.userId;
  }
}

export class RegisterUser {
  constructor(
    readonly userId: string,
    readonly username: string,
  ) {}
}

export class UsernameTaken extends DomainError {
  static override readonly code = 'TEST_USERNAME_TAKEN';
  constructor(
    readonly username: string,
    readonly owner: string,
  ) {
    super(`The name ${username} belongs to ${owner}`);
  }
}

/** A uniqueness rule across aggregates: the user is created and the name claimed in one commit. */
export class Registrations {
  @Decides(RegisterUser, {
    aggregates: (cmd) => ({ user: [User, cmd.userId], name: [Username, cmd.username.toLowerCase()] }),
  })
  register(cmd: RegisterUser, { user, name }: { user: User; name: Username }) {
    if (name.owner !== undefined) throw new UsernameTaken(cmd.username, name.owner);
    if (user.username !== undefined) throw new DomainError(`User ${cmd.userId} is already registered`);
    return { user: new UserRegistered(cmd.userId, cmd.username), name: new UsernameClaimed(cmd.username, cmd.userId) };
  }
}
